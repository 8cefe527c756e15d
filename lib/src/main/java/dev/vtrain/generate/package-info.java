/**
 * Sampling text from a trained language model: {@link dev.vtrain.generate.TokenSampler}
 * (temperature, top-k, seeded) and {@link dev.vtrain.generate.TextGenerator} (prompt, key/value
 * cache, a sliding context once the model's block is full).
 */
package dev.vtrain.generate;
