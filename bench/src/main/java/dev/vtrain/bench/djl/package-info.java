/**
 * DJL (PyTorch engine) versions of the benchmark workloads. Compiled only with the Maven profile
 * {@code djl} of {@code bench/}, which adds DJL's jars (about 115 MB, from Maven Central); the
 * default build leaves this package out and stays dependency-free.
 */
package dev.vtrain.bench.djl;
