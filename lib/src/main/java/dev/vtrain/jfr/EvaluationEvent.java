package dev.vtrain.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One evaluation pass over a dataset; committed by the evaluating thread. */
@Name("dev.vtrain.Evaluation")
@Label("Evaluation")
@Category("vtrain")
@Description("Loss and accuracy of the model over a dataset, in evaluation mode")
@StackTrace(false)
public final class EvaluationEvent extends Event {
    /** The dataset's name. */
    @Label("Dataset")
    public String dataset;

    /** Samples evaluated. */
    @Label("Samples")
    public long samples;

    /** Mean loss. */
    @Label("Loss")
    public double loss;

    /** Accuracy (NaN for regression). */
    @Label("Accuracy")
    public double accuracy;
}
