import java.nio.file.Files;
import java.nio.file.Path;

// A stand-in for the Carbon server: the first start exits 121 (the restart
// status of wso2server.sh's loop); the second registers a shutdown hook that
// takes a moment and then writes its file, and waits to be stopped.
public class Hook {
    public static void main(String[] args) throws Exception {
        Path hookFile = Path.of(args[0]);
        Path restarted = Path.of(args[1]);
        if (!Files.exists(restarted)) {
            Files.writeString(restarted, "restarted\n");
            System.out.println("exit 121");
            System.exit(121);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(300); // outlives the wrapper shell, which TERM kills at once
                Files.writeString(hookFile, "hook ran, test.prop=" + System.getProperty("test.prop") + "\n");
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        System.out.println("ready");
        Thread.sleep(600_000);
    }
}
