package dev.vtrain.spark;

import dev.vtrain.backend.Backend;
import dev.vtrain.io.Checkpoints;
import dev.vtrain.tensor.Tensor;
import dev.vtrain.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The body of one barrier task: it gathers its shard, exchanges addresses and shard sizes with the
 * other tasks ({@code allGather}), joins the ring, resumes from the newest checkpoint if there is
 * one, and trains: each step its local batch forward and backward, the gradients summed over the
 * ring and divided by the task count (the global batch's mean gradient), then the same optimizer
 * step on every task. Task 0 writes checkpoints and returns the model.
 */
final class BarrierTask extends AbstractFunction1<Iterator<Example>, Iterator<TaskResult>>
        implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final Job job;

    BarrierTask(Job job) {
        this.job = job;
    }

    @Override
    public Iterator<TaskResult> apply(Iterator<Example> rows) {
        try {
            return CollectionConverters.asScala(List.of(run(rows)).iterator());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TaskResult run(Iterator<Example> rows) throws IOException {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int rank = ctx.partitionId();
        List<Example> shard = new ArrayList<>();
        rows.foreach(
                e -> {
                    shard.add(e);
                    return null;
                });
        shard.sort(Comparator.comparingLong(Example::index));
        int f = job.features();
        float[] features = new float[shard.size() * f];
        int[] labels = new int[shard.size()];
        for (int i = 0; i < shard.size(); i++) {
            System.arraycopy(shard.get(i).features(), 0, features, i * f, f);
            labels[i] = shard.get(i).label();
        }
        Path dir = job.checkpointDir() == null ? null : Path.of(job.checkpointDir());
        // Task 0 names the checkpoint every task resumes from, so all load the same file.
        String resumeFile = "-";
        if (rank == 0
                && dir != null
                && Files.isDirectory(dir)
                && !Checkpoints.list(dir).isEmpty()) {
            resumeFile = Checkpoints.load(dir).file().toString();
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            InetAddress bind =
                    job.loopback()
                            ? InetAddress.getLoopbackAddress()
                            : new InetSocketAddress(0).getAddress();
            server.bind(new InetSocketAddress(bind, 0));
            String host;
            if (job.loopback()) {
                host = bind.getHostAddress();
            } else {
                // BarrierTaskInfo.address() is the executor's host:port.
                String executor = ctx.getTaskInfos()[rank].address();
                host = executor.substring(0, executor.lastIndexOf(':'));
            }
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            String[] all = ctx.allGather(host + ":" + port + "/" + shard.size() + "/" + resumeFile);
            List<String> addresses = new ArrayList<>();
            long smallest = Long.MAX_VALUE;
            for (String a : all) {
                String[] parts = a.split("/", 3);
                addresses.add(parts[0]);
                smallest = Math.min(smallest, Long.parseLong(parts[1]));
            }
            String resume = all[0].split("/", 3)[2];
            int local = job.localBatch();
            int steps = ShardOrder.stepsPerEpoch(smallest, local);
            try (Replica replica = new Replica(job, local);
                    RingAllReduce ring =
                            RingAllReduce.join(
                                    rank,
                                    addresses,
                                    server,
                                    Math.toIntExact(replica.model.gradientSlab().size()))) {
                float[] grads = new float[Math.toIntExact(replica.model.gradientSlab().size())];
                float inverse = 1f / job.tasks();
                replica.trainer.gradientReducer(
                        (Tensor g, Backend b) -> {
                            b.download(g, grads, 0);
                            try {
                                ring.sum(grads, grads.length);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            for (int i = 0; i < grads.length; i++) {
                                grads[i] *= inverse;
                            }
                            b.upload(grads, 0, g);
                        });
                TrainingState state = new TrainingState();
                if (!resume.equals("-")) {
                    Checkpoints.Loaded loaded = Checkpoints.load(Path.of(resume));
                    String written = loaded.metadata().get(JOB_KEY);
                    if (!fingerprint().equals(written)) {
                        throw new IllegalStateException(
                                resume
                                        + " was written by another job ("
                                        + written
                                        + ", this one is "
                                        + fingerprint()
                                        + "); give each run a checkpoint directory of its own");
                    }
                    state = loaded.restore(replica.model, replica.optimizer, null);
                }
                long resumedAt = state.batchesDone;
                long t0 = System.nanoTime();
                long done = 0;
                double loss = Double.NaN;
                while (state.epoch <= job.epochs()) {
                    int[] order =
                            ShardOrder.permutation(job.seed(), state.epoch, rank, shard.size());
                    while (state.batch < steps) {
                        if (ctx.isInterrupted()) {
                            throw new IllegalStateException(
                                    "task " + rank + " was killed at step " + state.batchesDone);
                        }
                        if (job.failOnceAtStep() == state.batchesDone
                                && rank == 1
                                && ctx.stageAttemptNumber() == 0) {
                            throw new IllegalStateException(
                                    "fault injected at step " + state.batchesDone);
                        }
                        loss =
                                replica.step(
                                        features,
                                        labels,
                                        f,
                                        order,
                                        state.batch * local,
                                        local,
                                        job.lr());
                        state.batch++;
                        state.batchesDone++;
                        done++;
                        if (rank == 0
                                && dir != null
                                && job.checkpointEvery() > 0
                                && state.batchesDone % job.checkpointEvery() == 0) {
                            checkpoint(dir, replica, state);
                        }
                    }
                    state.epoch++;
                    state.batch = 0;
                    if (rank == 0 && dir != null && job.checkpointEvery() == 0) {
                        checkpoint(dir, replica, state);
                    }
                }
                long stepNanos = System.nanoTime() - t0;
                ctx.barrier();
                byte[] model = rank == 0 ? replica.modelFile(job) : new byte[0];
                long perCall = ring.calls() == 0 ? 0 : ring.bytesSent() / ring.calls();
                return new TaskResult(
                        rank, model, done, resumedAt, stepNanos, ring.nanos(), perCall, loss);
            }
        }
    }

    /** The metadata key of the job fingerprint in checkpoints. */
    static final String JOB_KEY = "vtrain.spark.job";

    /** What must match for a checkpoint to be resumed (everything but the epoch count). */
    private String fingerprint() {
        return String.join(
                "|",
                job.spec(),
                Integer.toString(job.features()),
                String.join(",", job.classes()),
                Integer.toString(job.tasks()),
                Integer.toString(job.globalBatch()),
                Float.toString(job.lr()),
                job.optimizer(),
                Long.toString(job.seed()));
    }

    private void checkpoint(Path dir, Replica replica, TrainingState state) throws IOException {
        Checkpoints.write(
                dir,
                replica.model,
                replica.optimizer,
                null,
                state,
                null,
                Map.of(JOB_KEY, fingerprint()));
    }
}
