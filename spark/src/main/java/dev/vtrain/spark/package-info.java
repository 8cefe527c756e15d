/**
 * Synchronous data-parallel training on Apache Spark's barrier execution mode: one vtrain trainer
 * per barrier task, gradients summed every step by a ring all-reduce over the tasks' own sockets
 * (addresses exchanged with {@code BarrierTaskContext.allGather}), so every task applies the same
 * update. {@link dev.vtrain.spark.SparkTrainer} is the driver-side entry point, {@link
 * dev.vtrain.spark.SparkTrain} the {@code spark-submit} main class. The library does not depend on
 * this module.
 *
 * <p>Threads: the driver calls {@code SparkTrainer} from one thread; each task trains on its own
 * executor thread with a one-thread CPU backend.
 */
package dev.vtrain.spark;
