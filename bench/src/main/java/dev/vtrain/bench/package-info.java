/**
 * JMH benchmarks. Run {@code java --add-modules jdk.incubator.vector -jar
 * bench/target/benchmarks.jar} (forks inherit the flags from {@code @Fork}).
 */
package dev.vtrain.bench;
