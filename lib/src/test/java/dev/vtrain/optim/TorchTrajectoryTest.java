package dev.vtrain.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.nn.ActivationLayer;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.nn.loss.MSELoss;
import dev.vtrain.optim.schedule.Schedule;
import dev.vtrain.train.Trainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A small MLP trained for 10 full-batch steps from PyTorch's initial weights follows PyTorch's loss
 * and parameter trajectory (fixtures from {@code tools/fixtures/make_fixtures.py}).
 *
 * <p>Tolerance: every loss and parameter within 2e-5 absolute + 1e-4 relative of PyTorch's float32
 * values; the differences come only from summation order and fused multiply-adds.
 */
class TorchTrajectoryTest {
    private static final double ABS = 2e-5;
    private static final double REL = 1e-4;

    static Stream<Arguments> cases() {
        List<Arguments> args = new ArrayList<>();
        for (String fixture :
                new String[] {
                    "sgd_momentum",
                    "sgd_nesterov_wd_mse",
                    "sgd_dampening",
                    "adam",
                    "adamw",
                    "adamw_groups",
                    "rmsprop",
                    "rmsprop_centered_momentum",
                    "adagrad",
                    "sgd_warmup_cosine"
                }) {
            for (String backend : new String[] {"scalar", "cpu"}) {
                args.add(Arguments.of(fixture, backend));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void followsPyTorch(String name, String backendName) throws IOException {
        TorchFixture f = TorchFixture.load(name);
        float[] sizesF = f.tensor("meta.sizes");
        int[] sizes = new int[sizesF.length];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = (int) sizesF[i];
        }
        String[] acts = f.meta.get("activations").split(",", -1);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < sizes.length; i++) {
            layers.add(new Linear(sizes[i], sizes[i + 1]));
            if (i < acts.length) {
                layers.add(
                        ActivationLayer.of(Activation.valueOf(acts[i].toUpperCase(Locale.ROOT))));
            }
        }
        boolean ce = f.meta.get("loss").equals("cross_entropy");
        Loss loss = ce ? new CrossEntropyLoss() : new MSELoss();
        float[] x = f.tensor("x");
        float[] y = f.tensor("y");
        int batch = x.length / sizes[0];
        try (Backend backend = Backends.create(backendName, 2).backend();
                Model model = Model.build(new Sequential(layers), sizes[0], batch, backend, 123);
                Optimizer opt = optimizer(f, model);
                Trainer trainer = new Trainer(model, loss, opt)) {
            for (Parameter p : model.parameters()) {
                model.write(p.name(), f.tensor("init." + p.name()));
            }
            backend.upload(x, 0, trainer.input());
            backend.upload(y, 0, trainer.target());
            Schedule schedule = schedule(f);
            for (int step = 1; step <= 10; step++) {
                float lr = (float) schedule.lr(opt.steps());
                assertEquals(
                        f.tensor("step" + step + ".lr")[0],
                        lr,
                        1e-6 * lr,
                        name + " lr at step " + step);
                trainer.step(batch, lr, false);
                for (Parameter p : model.parameters()) {
                    assertClose(
                            f.tensor("step" + step + "." + p.name()),
                            model.read(p.name()),
                            name + " step " + step + " " + p);
                }
            }
            // Loss at each step: replay from the initial weights with a fresh optimizer, reading it
            // back per step.
            for (Parameter p : model.parameters()) {
                model.write(p.name(), f.tensor("init." + p.name()));
            }
            try (Optimizer fresh = optimizer(f, model);
                    Trainer replay = new Trainer(model, loss, fresh)) {
                backend.upload(x, 0, replay.input());
                backend.upload(y, 0, replay.target());
                for (int step = 1; step <= 10; step++) {
                    double before = replay.evaluateLoaded(batch);
                    assertEquals(
                            f.tensor("step" + step + ".loss")[0],
                            before,
                            ABS + REL * Math.abs(before),
                            name + " loss at step " + step);
                    replay.step(batch, (float) schedule.lr(fresh.steps()), false);
                }
            }
        }
    }

    private static Schedule schedule(TorchFixture f) {
        double lr = f.number("lr");
        if (!"warmup_cosine".equals(f.meta.get("schedule"))) {
            return Schedule.constant(lr);
        }
        return Schedule.withWarmup(
                Schedule.cosine(lr, (long) f.number("t_max"), f.number("eta_min")),
                (long) f.number("warmup"),
                f.number("start_factor"));
    }

    /**
     * PyTorch's default is one group with weight decay on every parameter; a fixture may name
     * groups.
     */
    private static List<ParamGroup> groups(TorchFixture f, Model model) {
        String spec = f.meta.get("groups");
        if (spec == null) {
            return ParamGroup.single(model, f.number("weight_decay"));
        }
        List<ParamGroup> groups = new ArrayList<>();
        for (String g : spec.split(";", -1)) {
            String[] parts = g.split(":", -1);
            String suffix = parts[0].equals("weights") ? "weight" : "bias";
            List<String> names = new ArrayList<>();
            for (Parameter p : model.parameters()) {
                if (p.name().endsWith(suffix)) {
                    names.add(p.name());
                }
            }
            groups.add(
                    new ParamGroup(
                            parts[0],
                            names,
                            Float.parseFloat(parts[1]),
                            Float.parseFloat(parts[2])));
        }
        return groups;
    }

    private static Optimizer optimizer(TorchFixture f, Model model) {
        float lr = f.number("lr");
        List<ParamGroup> groups = groups(f, model);
        return switch (f.meta.get("optimizer")) {
            case "sgd" ->
                    new SGD(
                            model,
                            lr,
                            f.number("momentum"),
                            f.number("dampening"),
                            Boolean.parseBoolean(f.meta.get("nesterov")),
                            groups);
            case "adam" ->
                    new Adam(
                            model,
                            lr,
                            f.number("beta1"),
                            f.number("beta2"),
                            f.number("eps"),
                            Boolean.parseBoolean(f.meta.get("decoupled")),
                            groups);
            case "rmsprop" ->
                    new RMSprop(
                            model,
                            lr,
                            f.number("alpha"),
                            f.number("eps"),
                            f.number("momentum"),
                            Boolean.parseBoolean(f.meta.get("centered")),
                            groups);
            case "adagrad" ->
                    new Adagrad(
                            model,
                            lr,
                            f.number("lr_decay"),
                            f.number("initial_accumulator_value"),
                            f.number("eps"),
                            groups);
            default ->
                    throw new IllegalArgumentException(
                            "unknown optimizer in fixture: " + f.meta.get("optimizer"));
        };
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = ABS + REL * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                throw new AssertionError(
                        what
                                + ": element "
                                + i
                                + " expected "
                                + expected[i]
                                + " but was "
                                + actual[i]);
            }
        }
    }
}
