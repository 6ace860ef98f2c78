package io.crfs.cli;

import io.crfs.client.CrfsClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code crfs status}: what a running crfsd is doing: sessions, grants per client, revokes, commits. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a running server's sessions, grants per client, revokes and commits.",
        footerHeading = "%nExamples:%n", footer = {"  crfs status 127.0.0.1:7070"})
final class StatusCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "Address of crfsd.")
    String server;

    @Override
    public Integer call() throws Exception {
        HostPort hp = HostPort.parse(server);
        try (CrfsClient c = CrfsClient.connect(hp.host(), hp.port(), "crfs-status")) {
            spec.commandLine().getOut().print(c.serverStatus());
            spec.commandLine().getOut().flush();
        }
        return ExitCodes.OK;
    }
}
