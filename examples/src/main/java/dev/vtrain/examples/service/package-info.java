/**
 * An example application of vtrain as a library: an HTTP service (on the JDK's {@code
 * com.sun.net.httpserver}) that learns a classifier from POSTed labelled examples and answers
 * predictions while it learns. One training thread steps the model and publishes weight snapshots;
 * every serving thread has its own {@link dev.vtrain.serve.Predictor} that picks up the newest
 * snapshot without locks. {@link dev.vtrain.examples.service.LoadTest} measures it on loopback.
 */
package dev.vtrain.examples.service;
