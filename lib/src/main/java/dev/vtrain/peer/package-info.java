/**
 * Other libraries' implementations, called only to compare against: OpenBLAS's SGEMM through FFM
 * when the system has it, and {@link dev.vtrain.peer.GemmProblem}, the operands both are timed on.
 * Training never uses them.
 */
package dev.vtrain.peer;
