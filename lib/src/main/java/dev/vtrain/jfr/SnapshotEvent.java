package dev.vtrain.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One weight snapshot published for serving threads; committed by the training thread. */
@Name("dev.vtrain.SnapshotPublish")
@Label("Snapshot Publish")
@Category("vtrain")
@Description("Weights copied into a snapshot slot and published to predictors")
@StackTrace(false)
public final class SnapshotEvent extends Event {
    /** The new snapshot's version. */
    @Label("Version")
    public long version;

    /** Bytes copied. */
    @Label("Size")
    @DataAmount
    public long bytes;
}
