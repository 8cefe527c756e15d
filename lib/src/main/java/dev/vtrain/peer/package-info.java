/**
 * Other libraries' implementations, called only to compare against: OpenBLAS's SGEMM through FFM
 * when the system has it. Training never uses them.
 */
package dev.vtrain.peer;
