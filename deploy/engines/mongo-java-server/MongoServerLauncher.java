// Runs mongo-java-server's in-memory backend on a fixed loopback address until the process is
// stopped. Launched as a single-file program (`java -cp 'lib/*' MongoServerLauncher.java HOST PORT`),
// so there is nothing to compile or cache. Only the fallback when FerretDB cannot be built.
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

public class MongoServerLauncher {
  // mongo-java-server 1.47 announces at most wire version 8 (its MONGO_5_0 included), and the Node
  // driver 7 refuses anything below 9 (MongoDB 4.4). Announce 4.4 exactly: the lowest the driver
  // accepts, so it sends no command newer than it must.
  private static final MongoVersion MONGO_4_4 = new MongoVersion() {
    @Override
    public List<Integer> getVersionArray() {
      return List.of(4, 4, 0);
    }

    @Override
    public int getWireVersion() {
      return 9;
    }
  };

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: MongoServerLauncher HOST PORT");
      System.exit(2);
    }
    MongoServer server = new MongoServer(new MemoryBackend().version(MONGO_4_4));
    server.bind(args[0], Integer.parseInt(args[1]));
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    System.out.println("mongo-java-server listening on " + server.getConnectionString());
    Thread.currentThread().join();
  }
}
