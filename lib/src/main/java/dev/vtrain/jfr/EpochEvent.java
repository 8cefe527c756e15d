package dev.vtrain.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One epoch, validation included; committed by the training thread. */
@Name("dev.vtrain.Epoch")
@Label("Epoch")
@Category("vtrain")
@Description("One pass over the training data, with its validation")
@StackTrace(false)
public final class EpochEvent extends Event {
    /** The epoch, 1-based. */
    @Label("Epoch")
    public int epoch;

    /** Mean training loss. */
    @Label("Train Loss")
    public double trainLoss;

    /** Training accuracy (NaN for regression). */
    @Label("Train Accuracy")
    public double trainAccuracy;

    /** Validation loss (NaN without validation data). */
    @Label("Validation Loss")
    public double validationLoss;

    /** Validation accuracy (NaN without validation data or for regression). */
    @Label("Validation Accuracy")
    public double validationAccuracy;

    /** Training samples per second. */
    @Label("Samples per Second")
    public double samplesPerSecond;

    /** Steps skipped for a non-finite loss or gradient. */
    @Label("Skipped Steps")
    public int skippedSteps;
}
