/**
 * Data: {@link dev.vtrain.data.Dataset} (features and targets on the heap), {@link
 * dev.vtrain.data.DataLoader} (seeded per-epoch shuffle, preallocated batch buffers), readers for
 * IDX (MNIST/Fashion-MNIST, gzipped or not) and CSV files, seeded {@link dev.vtrain.data.Splits},
 * {@link dev.vtrain.data.FeatureScaling} fitted on training data only, and the embedded 8×8 digits
 * dataset. Malformed input raises {@link dev.vtrain.data.DataFormatException} naming the source,
 * what was expected and what was found.
 */
package dev.vtrain.data;
