package dev.vtrain.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One checkpoint written (atomically); committed by the training thread. */
@Name("dev.vtrain.CheckpointWrite")
@Label("Checkpoint Write")
@Category("vtrain")
@Description("A training checkpoint written to disk")
@StackTrace(false)
public final class CheckpointEvent extends Event {
    /** The checkpoint file. */
    @Label("Path")
    public String path;

    /** Bytes written. */
    @Label("Size")
    @DataAmount
    public long bytes;
}
