/**
 * Serving predictions in the process that trains: {@link dev.vtrain.serve.Predictor} answers one
 * sample or a batch into arrays the caller owns (probabilities, logits or values; no optimizer, no
 * allocation per call after warm-up), and {@link dev.vtrain.serve.WeightSnapshots} lets one
 * training thread publish its weights while any number of serving threads, each with its own
 * predictor, pick up the newest complete snapshot without locks and without torn reads.
 *
 * <p>Threads: a {@code WeightSnapshots} is published to by the thread that trains its model and
 * read by any thread; a {@code Predictor} belongs to the first thread that uses it (a call from
 * another thread fails with an {@link java.lang.IllegalStateException}).
 */
package dev.vtrain.serve;
