package io.crfs.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code crfs}: the command line. One class per subcommand; each returns its exit code (see
 * {@link ExitCodes}); every failure becomes one line on stderr that names the problem and what to
 * do next (stack traces only with {@code --verbose}).
 */
@Command(name = "crfs", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "crfs: a cache-coherent network file system over a real btrfs volume.%n"
                + "mkfs, import, export, ls and cat work on a volume image directly (no server needed);%n"
                + "serve runs crfsd on it, status asks a running crfsd what it is doing.",
        subcommands = {MkfsCommand.class, ImportCommand.class, ExportCommand.class, LsCommand.class,
                CatCommand.class, ServeCommand.class, StatusCommand.class, MountCommand.class, UmountCommand.class,
                MountHelperCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  ok", "  1  usage error (wrong option or argument count)",
                "  2  not found or bad argument", "  3  volume corrupt or unsupported",
                "  4  no space left", "  5  I/O error (or internal error: rerun with --verbose)"})
public final class Main implements Runnable {
    private final OutputStream rawOut;
    private final boolean errIsTerminal;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Debug logging and full stack traces on errors.")
    boolean verbose;

    Main(OutputStream rawOut, boolean errIsTerminal) {
        this.rawOut = rawOut;
        this.errIsTerminal = errIsTerminal;
    }

    public static void main(String[] args) {
        configureLogging(args);
        WarmStart.fromProperty();
        System.exit(commandLine().execute(args));
    }

    /** The command line wired to this process's stdout and stderr. */
    public static CommandLine commandLine() {
        return commandLine(System.out, System.err, LinuxSyscalls.isatty(2));
    }

    /** A command line writing to the given streams (tests capture them); no progress bar. */
    public static CommandLine commandLine(OutputStream out, OutputStream err) {
        return commandLine(out, err, false);
    }

    private static CommandLine commandLine(OutputStream out, OutputStream err, boolean errIsTerminal) {
        CommandLine cl = new CommandLine(new Main(out, errIsTerminal));
        cl.setOut(new PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
        cl.setExitCodeExceptionMapper(new ExitCodes());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("crfs: " + ex.getMessage().replace('\n', ' ')
                    + "; see `" + c.getCommandSpec().qualifiedName() + " --help`");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            Main root = (Main) c.getCommandSpec().root().userObject();
            c.getErr().println("crfs " + c.getCommandName() + ": " + ExitCodes.message(ex));
            if (root.verbose || parsed.matchedOption("--verbose") != null) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().flush();
            return ExitCodes.classify(ex);
        });
        return cl;
    }

    /** slf4j-simple reads its level once, at first use: set it before anything logs. Quiet unless --verbose. */
    static void configureLogging(String[] args) {
        boolean verbose = false;
        for (String a : args) {
            if (a.equals("--verbose") || a.equals("-v")) {
                verbose = true;
            } else if (a.equals("--")) {
                break;
            }
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    }

    @Override
    public void run() {
        // `crfs` alone: show the usage (exit 1, it is not a command).
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    OutputStream rawOut() {
        return rawOut;
    }

    boolean errIsTerminal() {
        return errIsTerminal;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"crfs " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
