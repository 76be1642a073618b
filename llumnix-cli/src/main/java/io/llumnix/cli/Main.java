package io.llumnix.cli;

import io.llumnix.core.LlumnixException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code llumnix} command.
 *
 * <p>Failure contract: a user error (bad flag, missing file, invalid value) prints one line
 * {@code llumnix: <message>} on stderr and exits non-zero (2 for command-line usage, 1 otherwise), without a
 * stack trace; {@code LLUMNIX_DEBUG=1} adds the trace. {@link #run} does the same without exiting, for
 * tests.
 *
 * <p>Not thread-safe; one invocation per call.
 */
@Command(
        name = "llumnix",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Llumnix for the JVM: a CPU inference engine and the control plane that schedules and live-migrates requests across its instances.",
        subcommands = {EngineCommand.class, GenerateCommand.class, ServeCommand.class, SchedulerCommand.class, ReschedulerCommand.class,
            GatewayCommand.class, SimulateCommand.class, ProfileCommand.class, BenchCommand.class, StatusCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILURE = 1;

    private final PrintStream out;
    private final PrintStream err;

    private Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** The byte stream commands write their output to (stdout, or a test's buffer). */
    PrintStream out() {
        return out;
    }

    /** The byte stream for logs of child processes and progress (stderr, or a test's buffer). */
    PrintStream err() {
        return err;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        // Long-running subcommands return only when asked to stop; exit explicitly so non-daemon threads
        // (Vert.x, engine) cannot keep a finished command alive.
        System.exit(code);
    }

    /** Runs the command line and returns its exit code; output goes to {@code out}, errors to {@code err}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = commandLine(out, err);
        return cli.execute(args);
    }

    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Main(out, err));
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine bad = ex.getCommandLine();
            String where = bad.getCommandSpec().qualifiedName();
            bad.getErr().println(where + ": " + ex.getMessage() + " (see '" + where + " --help')");
            debugTrace(bad.getErr(), ex);
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, bad, parseResult) -> {
            bad.getErr().println(bad.getCommandSpec().qualifiedName() + ": " + userMessage(ex));
            debugTrace(bad.getErr(), ex);
            return EXIT_FAILURE;
        });
        return cli;
    }

    /** One line that tells the user what went wrong, without internals where the failure is theirs. */
    static String userMessage(Throwable t) {
        return switch (t) {
            case LlumnixException e -> e.getMessage();
            case IllegalArgumentException e -> e.getMessage();
            case UserException e -> e.getMessage();
            case UncheckedIOException e -> ioMessage(e.getCause());
            case IOException e -> ioMessage(e);
            default -> t.getClass().getSimpleName() + ": " + t.getMessage() + " (LLUMNIX_DEBUG=1 prints the stack trace)";
        };
    }

    private static String ioMessage(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such file: " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
            default -> e.getClass().getSimpleName() + ": " + e.getMessage();
        };
    }

    private static void debugTrace(PrintWriter err, Throwable t) {
        if ("1".equals(System.getenv("LLUMNIX_DEBUG"))) {
            t.printStackTrace(err);
        }
    }

    /** Reads the version the build wrote into the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"llumnix " + (v == null ? "(development build)" : v), "Java " + Runtime.version()};
        }
    }
}
