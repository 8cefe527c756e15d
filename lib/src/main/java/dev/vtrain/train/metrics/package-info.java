/**
 * Evaluation metrics computed on the host from a model's outputs: {@link
 * dev.vtrain.train.metrics.ClassificationMetrics} (accuracy, top-k accuracy, per-class precision,
 * recall and F1 with macro and weighted averages, confusion matrix) and {@link
 * dev.vtrain.train.metrics.RegressionMetrics} (MSE, MAE, R²), with scikit-learn's conventions.
 */
package dev.vtrain.train.metrics;
