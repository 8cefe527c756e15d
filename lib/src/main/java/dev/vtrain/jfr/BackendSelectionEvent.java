package dev.vtrain.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A backend chosen ({@code Backends.create}); committed by the calling thread. */
@Name("dev.vtrain.BackendSelection")
@Label("Backend Selection")
@Category("vtrain")
@Description("Which backend was chosen for a request, and why")
@StackTrace(false)
public final class BackendSelectionEvent extends Event {
    /** The name asked for (auto, cpu, scalar). */
    @Label("Requested")
    public String requested;

    /** The backend's description. */
    @Label("Backend")
    public String backend;

    /** Why it was chosen. */
    @Label("Reason")
    public String reason;

    /** Threads it runs on. */
    @Label("Threads")
    public int threads;
}
