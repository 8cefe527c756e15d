package dev.vtrain.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** One training step; its duration is the whole step. Committed by the training thread. */
@Name("dev.vtrain.TrainingStep")
@Label("Training Step")
@Category("vtrain")
@Description("One optimizer step: forward and loss, backward, optimizer")
@StackTrace(false)
public final class TrainingStepEvent extends Event {
    /** Optimizer steps applied before this one. */
    @Label("Step")
    public long step;

    /** Samples in the batch. */
    @Label("Rows")
    public int rows;

    /** Mean loss of the batch. */
    @Label("Loss")
    public double loss;

    /** Forward pass and loss. */
    @Label("Forward")
    @Timespan(Timespan.NANOSECONDS)
    public long forward;

    /** Backward pass (and gradient clipping and norm). */
    @Label("Backward")
    @Timespan(Timespan.NANOSECONDS)
    public long backward;

    /** Optimizer update. */
    @Label("Optimizer")
    @Timespan(Timespan.NANOSECONDS)
    public long optimizer;
}
