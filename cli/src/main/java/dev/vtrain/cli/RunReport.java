package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.nn.Model;
import dev.vtrain.train.EpochStats;
import dev.vtrain.train.History;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON run report of {@code vtrain train --report}: configuration, history, test metrics,
 * environment.
 */
final class RunReport {
    private RunReport() {}

    static Map<String, Object> build(
            TrainCommand c,
            PreparedData data,
            Model m,
            Backend b,
            int threads,
            History h,
            Map<String, Object> metrics,
            double wall) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("data", c.data.data);
        config.put("data_source", data.source());
        config.put("task", c.data.task);
        config.put("label_column", c.data.labelColumn);
        config.put("val_split", c.data.valSplit);
        config.put("test_split", c.data.testSplit);
        config.put(
                "scaling", data.scaling().kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        config.put("hidden", c.model.hidden);
        config.put("activation", c.model.activation);
        config.put("dropout", (double) c.model.dropout);
        config.put("model", m.network().toString());
        config.put("parameters", m.parameterCount());
        Map<String, Object> opt = new LinkedHashMap<>();
        OptimizerOptions o = c.optimizer;
        opt.put("name", o.name());
        opt.put("lr", (double) o.lr);
        opt.put("momentum", o.momentum == null ? null : (double) o.momentum);
        opt.put("dampening", (double) o.dampening);
        opt.put("nesterov", o.nesterov);
        opt.put("weight_decay", o.weightDecay == null ? null : (double) o.weightDecay);
        opt.put("decay_biases", o.decayBiases);
        opt.put("betas", List.of((double) o.beta1, (double) o.beta2));
        opt.put("eps", o.eps == null ? null : (double) o.eps);
        opt.put("alpha", (double) o.alpha);
        opt.put("centered", o.centered);
        opt.put("lr_decay", (double) o.lrDecay);
        opt.put("initial_accumulator_value", (double) o.initialAccumulator);
        config.put("optimizer", opt);
        Map<String, Object> sch = new LinkedHashMap<>();
        ScheduleOptions s = c.schedule;
        sch.put("name", s.schedule);
        sch.put("step_size_epochs", s.stepSize);
        sch.put("milestones_epochs", Arrays.stream(s.milestones).boxed().toList());
        sch.put("gamma", s.gamma);
        sch.put("t_max_epochs", s.tMax);
        sch.put("eta_min", s.etaMin);
        sch.put("end_factor", s.endFactor);
        sch.put("power", s.power);
        sch.put("warmup_epochs", s.warmupEpochs);
        sch.put("warmup_start_factor", s.warmupStartFactor);
        sch.put("plateau", s.plateau);
        sch.put("plateau_monitor", s.plateauMonitor);
        sch.put("plateau_factor", s.plateauFactor);
        sch.put("plateau_patience", s.plateauPatience);
        sch.put("plateau_threshold", s.plateauThreshold);
        sch.put("plateau_cooldown", s.plateauCooldown);
        sch.put("min_lr", s.minLr);
        config.put("lr_schedule", sch);
        Map<String, Object> reg = new LinkedHashMap<>();
        RegularizationOptions r = c.regularization;
        reg.put("clip_norm", (double) r.clipNorm);
        reg.put("clip_value", (double) r.clipValue);
        reg.put("fail_on_nonfinite", r.failOnNonFinite);
        reg.put("max_bad_steps", r.maxBadSteps);
        reg.put("l1", (double) r.l1);
        reg.put("early_stopping", r.earlyStopping);
        reg.put("monitor", r.monitor);
        reg.put("patience", r.patience);
        reg.put("min_delta", r.minDelta);
        reg.put("restore_best", !r.noRestoreBest);
        config.put("regularization", reg);
        config.put("epochs", c.epochs);
        config.put("batch_size", m.maxBatch());
        config.put("seed", c.seed);
        config.put("threads", threads);
        config.put("backend", b.name());
        List<Object> epochs = new ArrayList<>();
        for (EpochStats e : h.epochs()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", e.epoch());
            row.put("train_loss", e.trainLoss());
            row.put("train_accuracy", e.trainAccuracy());
            row.put("val_loss", e.valLoss());
            row.put("val_accuracy", e.valAccuracy());
            row.put("lr", e.lr());
            row.put("skipped_steps", e.skippedSteps());
            row.put("seconds", e.seconds());
            row.put("samples_per_second", e.samplesPerSecond());
            epochs.add(row);
        }
        Map<String, Object> test = new LinkedHashMap<>(metrics);
        test.remove("table");
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("vtrain_version", new Main.Version().getVersion()[0]);
        root.put("created", Instant.now().toString());
        root.put("config", config);
        root.put("history", epochs);
        root.put("best_epoch", h.bestEpoch());
        root.put("stopped_early", h.stoppedEarly());
        root.put("restored_best", h.restoredBest());
        root.put("skipped_steps", h.skippedSteps());
        root.put("test", test);
        root.put("test_accuracy", metrics.get("accuracy"));
        root.put("training_seconds", wall);
        root.put("environment", Environment.describe(threads, b.description()));
        return root;
    }
}
