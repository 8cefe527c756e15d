/**
 * Files: a strict {@link dev.vtrain.io.Json} reader and writer, the {@link
 * dev.vtrain.io.Safetensors} format (Hugging Face; checked against its safety rules before any data
 * is read), and {@link dev.vtrain.io.ModelFile}, a model's weights plus everything needed to use it
 * (architecture, feature scaling, class names, provenance) in one safetensors file. Writes are
 * atomic.
 */
package dev.vtrain.io;
