/**
 * The scalar reference backend: plain loops over host memory, written to be obviously correct. It
 * is the permanent oracle every faster backend is tested against, and the fallback where the Vector
 * API is unavailable or not compiled to SIMD instructions.
 */
package dev.vtrain.backend.scalar;
