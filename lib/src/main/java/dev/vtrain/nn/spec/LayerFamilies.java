package dev.vtrain.nn.spec;

import dev.vtrain.nn.BatchNorm;
import dev.vtrain.nn.Conv2d;
import dev.vtrain.nn.Flatten;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Pool2d;
import dev.vtrain.tensor.Shape;
import java.util.List;

/**
 * The image layers of {@link Layers}: {@code conv2d}, {@code maxpool2d}, {@code avgpool2d}, {@code
 * adaptiveavgpool2d}, {@code batchnorm1d}, {@code batchnorm2d} and {@code flatten}, with PyTorch's
 * argument names; input channels come from the input shape.
 */
final class LayerFamilies {
    static final List<String> NAMES =
            List.of(
                    "conv2d",
                    "maxpool2d",
                    "avgpool2d",
                    "adaptiveavgpool2d",
                    "batchnorm1d",
                    "batchnorm2d",
                    "flatten");

    record Built(Layer layer, Args args) {}

    private LayerFamilies() {}

    private static int channels(Args a, String name, Shape in, int rank, String what) {
        if (in.rank() != rank) {
            throw a.error("expected " + what + " input but got " + in);
        }
        return Layers.inferred(a, name, in.dim(0), in);
    }

    static Built build(String type, LayerCall c, Shape in) {
        return switch (type) {
            case "conv2d" -> conv(c, in);
            case "maxpool2d", "avgpool2d" -> pool(type, c);
            case "adaptiveavgpool2d" -> {
                Args a = new Args(c, List.of("output_size"));
                int[] o = a.pair("output_size", null);
                yield new Built(Pool2d.adaptiveAvg(o[0], o[1]), a);
            }
            case "batchnorm1d", "batchnorm2d" -> batchNorm(type, c, in);
            case "flatten" -> new Built(new Flatten(), new Args(c, List.of()));
            default -> null;
        };
    }

    private static Built conv(LayerCall c, Shape in) {
        Args a =
                new Args(
                        c,
                        List.of(
                                "out_channels",
                                "kernel_size",
                                "stride",
                                "padding",
                                "dilation",
                                "groups",
                                "bias",
                                "in_channels"));
        int inC = channels(a, "in_channels", in, 3, "an image (C, H, W)");
        Conv2d l =
                new Conv2d(
                        inC,
                        a.integer("out_channels", null),
                        a.pair("kernel_size", null),
                        a.pair("stride", new int[] {1, 1}),
                        a.pair("padding", new int[] {0, 0}),
                        a.pair("dilation", new int[] {1, 1}),
                        a.integer("groups", 1),
                        a.bool("bias", true));
        return new Built(l, a);
    }

    private static Built pool(String type, LayerCall c) {
        Args a = new Args(c, List.of("kernel_size", "stride", "padding"));
        int[] k = a.pair("kernel_size", null);
        int[] s = a.pair("stride", k);
        int[] p = a.pair("padding", new int[] {0, 0});
        Pool2d l = type.equals("maxpool2d") ? Pool2d.max(k, s, p) : Pool2d.avg(k, s, p);
        return new Built(l, a);
    }

    private static Built batchNorm(String type, LayerCall c, Shape in) {
        Args a = new Args(c, List.of("num_features", "eps", "momentum", "affine"));
        boolean two = type.equals("batchnorm2d");
        int f =
                channels(
                        a,
                        "num_features",
                        in,
                        two ? 3 : 1,
                        two ? "an image (C, H, W)" : "a vector (C,)");
        float eps = (float) a.number("eps", 1e-5);
        float momentum = (float) a.number("momentum", 0.1);
        boolean affine = a.bool("affine", true);
        return new Built(
                two
                        ? BatchNorm.of2d(f, eps, momentum, affine)
                        : BatchNorm.of1d(f, eps, momentum, affine),
                a);
    }
}
