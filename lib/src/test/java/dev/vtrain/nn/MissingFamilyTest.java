package dev.vtrain.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.tensor.Shape;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A backend without an op family a model needs fails when the model (or optimizer) is built, naming
 * the family and the layer — so a device backend can be built family by family.
 */
class MissingFamilyTest {
    /** The scalar backend with the named family accessors returning null. */
    private static Backend without(Set<String> families) {
        ScalarBackend real = new ScalarBackend();
        return (Backend)
                Proxy.newProxyInstance(
                        Backend.class.getClassLoader(),
                        new Class<?>[] {Backend.class},
                        (proxy, method, args) -> {
                            if (families.contains(method.getName())) {
                                return null;
                            }
                            try {
                                return method.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
    }

    @Test
    void modelsAndOptimizersNameTheMissingFamily() {
        Shape image = Shape.of(1, 6, 6);
        IllegalArgumentException conv =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Model.build(
                                        Layers.fromSpec(
                                                "conv2d(2,3),relu,flatten,linear(3)", image),
                                        image,
                                        2,
                                        without(Set.of("conv")),
                                        0));
        assertTrue(
                conv.getMessage()
                                .contains(
                                        "layer 0 needs the conv (convolution and pooling) op family")
                        && conv.getMessage().contains("'scalar'"),
                conv.getMessage());
        IllegalArgumentException norm =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Model.build(
                                        Layers.fromSpec("conv2d(2,3),batchnorm2d", image),
                                        image,
                                        2,
                                        without(Set.of("norms")),
                                        0));
        assertTrue(
                norm.getMessage().contains("layer 1 needs the norms (normalisation) op family"),
                norm.getMessage());
        try (Model m =
                Model.build(
                        new Sequential(new Linear(3, 2)), 3, 2, without(Set.of("updates")), 0)) {
            IllegalArgumentException updates =
                    assertThrows(IllegalArgumentException.class, () -> new Adam(m, 1e-3f));
            assertTrue(
                    updates.getMessage().contains("updates (optimizer) op family"),
                    updates.getMessage());
        }
    }
}
