/**
 * JDK Flight Recorder events of vtrain, all in the category "vtrain": {@code
 * dev.vtrain.TrainingStep} (per step: forward with the loss, backward, optimizer durations), {@code
 * dev.vtrain.Epoch}, {@code dev.vtrain.Evaluation}, {@code dev.vtrain.CheckpointWrite}, {@code
 * dev.vtrain.SnapshotPublish} and {@code dev.vtrain.BackendSelection}. They cost nothing measurable
 * when no recording runs (no allocation either: the event objects do not escape); record them with
 * {@code -XX:StartFlightRecording}, {@code jcmd PID JFR.start} or {@code vtrain train --jfr
 * out.jfr}, and read them with {@code jfr print --events dev.vtrain.TrainingStep out.jfr} or {@code
 * jdk.jfr.consumer}. Events are made and committed on the thread doing the work.
 */
package dev.vtrain.jfr;
