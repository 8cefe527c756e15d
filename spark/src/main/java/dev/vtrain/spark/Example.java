package dev.vtrain.spark;

import java.io.Serializable;

/**
 * One labelled training example as Spark moves it: its position in the whole dataset (which fixes
 * the shard it goes to and its order there), its features and its class index. Immutable by
 * convention (the array is not copied); any thread may read it.
 */
@SuppressWarnings("ArrayRecordComponent") // a value Spark serialises, never compared
public record Example(long index, float[] features, int label) implements Serializable {}
