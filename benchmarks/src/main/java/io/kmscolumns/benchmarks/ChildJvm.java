package io.kmscolumns.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java process started by the benchmark, whose peak resident memory ({@code VmHWM} in
 * {@code /proc/<pid>/status}, a high-water mark the kernel keeps) is sampled every 50 ms while it runs, since the
 * file disappears with the process. Standard error goes to a log file.
 *
 * @see <a href="https://man7.org/linux/man-pages/man5/proc_pid_status.5.html">proc_pid_status(5)</a>
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final AtomicLong peakKib = new AtomicLong();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "vmhwm-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private final BufferedReader out;
    private final PrintWriter in;

    private ChildJvm(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        sampler.scheduleAtFixedRate(this::sample, 0, 50, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts {@code java <jvmOptions> -cp <classpath> <mainClass> <args>} with standard error appended to
     * {@code log}.
     */
    static ChildJvm start(List<String> jvmOptions, String classpath, String mainClass, List<String> args, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new ChildJvm(process);
    }

    /** The next line of standard output, or null at its end. */
    String readLine() throws IOException {
        return out.readLine();
    }

    /** Sends one line to standard input and returns the reply line. */
    String ask(String command) throws IOException {
        in.println(command);
        return out.readLine();
    }

    /** Reads standard output to its end and waits for the exit code. */
    int waitFor(StringBuilder output) throws IOException, InterruptedException {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            output.append(line).append('\n');
        }
        int exit = process.waitFor();
        sampler.shutdownNow();
        return exit;
    }

    /** The highest VmHWM seen, in MiB. */
    double peakMib() {
        sample();
        return peakKib.get() / 1024.0;
    }

    private void sample() {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    peakKib.accumulateAndGet(kib, Math::max);
                }
            }
        } catch (IOException | RuntimeException e) {
            // The process has exited: the last sample stands.
        }
    }

    /** Closes standard input (the Lambda host's signal to stop) and waits for the process to end. */
    @Override
    public void close() throws InterruptedException {
        sample();
        in.close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        sampler.shutdownNow();
    }
}
