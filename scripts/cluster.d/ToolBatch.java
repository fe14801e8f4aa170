/*
 * Runs several Kafka command-line tools (their main classes: kafka.tools.StorageTool,
 * kafka.admin.ConfigCommand, org.apache.kafka.tools.AclCommand, org.apache.kafka.tools.TopicCommand,
 * ...) one after the other in a single JVM, so that scripts/cluster pays the JVM start and class
 * loading (~2 s each on a small box) once per batch instead of once per command. The tools and
 * their arguments are exactly those of the CLI; only the process is shared.
 *
 * Usage: java -cp '<kafka libs>/*:<dir of this class>' ToolBatch BATCH_FILE
 *   BATCH_FILE: one command per line, fields separated by TAB, the first field is the main class.
 *   Blank lines and lines starting with '#' are skipped. Reading the arguments from a file (mode
 *   600) also keeps passwords off every process' command line.
 * Output: before and after each command a marker line on stdout
 *   @@pulse-batch <n> begin <main-class>
 *   @@pulse-batch <n> exit <status> <milliseconds>
 * Exit status: 0 when every command exited 0, 1 otherwise, 2 on a usage error.
 *
 * The tools end with org.apache.kafka.common.utils.Exit.exit(status); that is intercepted (it
 * throws here instead of ending the JVM), which is what Kafka's own tests do. The first such call
 * of a command is its exit status, as it would have ended the process: some tools call
 * Exit.exit(0) inside a catch-all block that turns the interception into a second Exit.exit(1).
 */
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.utils.Exit;

public final class ToolBatch {
    private static final class ToolExit extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        ToolExit(int status) {
            super("[ToolBatch] Exit.exit(" + status + ") intercepted, the tool ends here (not an error)", null, false, false);
            this.status = status;
        }
    }

    /** Status of the first Exit.exit() of the running command, null if none yet. */
    private static volatile Integer firstExit;

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ToolBatch BATCH_FILE");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        Exit.setExitProcedure((status, message) -> {
            if (firstExit == null) firstExit = status;
            throw new ToolExit(status);
        });
        Exit.setHaltProcedure((status, message) -> {
            if (firstExit == null) firstExit = status;
            throw new ToolExit(status);
        });
        int n = 0;
        int failed = 0;
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) continue;
            n++;
            String[] fields = line.split("\t", -1);
            String mainClass = fields[0].trim();
            String[] toolArgs = Arrays.copyOfRange(fields, 1, fields.length);
            System.out.println("@@pulse-batch " + n + " begin " + mainClass);
            System.out.flush();
            int status = 0;
            firstExit = null;
            long started = System.nanoTime();
            try {
                Method main = Class.forName(mainClass).getMethod("main", String[].class);
                main.invoke(null, (Object) toolArgs);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof ToolExit) {
                    status = ((ToolExit) cause).status;
                } else {
                    System.err.println(mainClass + " failed: " + cause);
                    cause.printStackTrace();
                    status = 1;
                }
            } catch (ToolExit e) {
                status = e.status;
            } catch (ReflectiveOperationException | RuntimeException e) {
                System.err.println(mainClass + ": cannot run: " + e);
                status = 1;
            }
            if (firstExit != null) status = firstExit;
            System.err.flush();
            System.out.println("@@pulse-batch " + n + " exit " + status + " " + (System.nanoTime() - started) / 1_000_000);
            System.out.flush();
            if (status != 0) failed++;
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
