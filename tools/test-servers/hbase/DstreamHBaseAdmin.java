// Admin operations that dstream's HBase tests need but a Node client cannot do (they are master RPCs):
// create/drop pre-split tables, list regions with their servers, move and split regions.
// Compiled once per jar cache by @dstream/test-servers (src/hbase-admin.ts) and kept running: it reads one
// command per stdin line (space-separated, each argument base64 of its UTF-8 bytes) and answers one line,
// "OK <base64 JSON>" or "ERR <base64 message>". Started with "READY" once connected.
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HRegionLocation;
import org.apache.hadoop.hbase.ServerName;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;

public final class DstreamHBaseAdmin {
  private static final long DEADLINE_MS = 120_000;

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
    System.setOut(System.err); // library output must never be taken for an answer
    Configuration conf = HBaseConfiguration.create();
    conf.set("hbase.zookeeper.quorum", args[0]);
    conf.set("hbase.zookeeper.property.clientPort", args[1]);
    conf.set("hbase.tmp.dir", args[2]); // else the client makes /tmp/hbase-<user>/local/jars
    conf.setInt("hbase.client.retries.number", 15);
    conf.setLong("hbase.client.pause", 200);
    try (Connection connection = ConnectionFactory.createConnection(conf);
        Admin admin = connection.getAdmin()) {
      out.println("READY");
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.isEmpty() ? new String[0] : line.split(" ");
        List<String> command = new ArrayList<>();
        for (String word : words) {
          command.add(new String(Base64.getDecoder().decode(word), StandardCharsets.UTF_8));
        }
        try {
          out.println("OK " + b64(run(connection, admin, command)));
        } catch (Throwable error) {
          StringBuilder message = new StringBuilder(String.valueOf(error));
          for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
            message.append(" <- ").append(cause);
          }
          out.println("ERR " + b64(message.toString()));
        }
      }
    }
  }

  private static String run(Connection connection, Admin admin, List<String> command) throws Exception {
    String op = command.isEmpty() ? "" : command.get(0);
    switch (op) {
      case "wait": {
        int servers = Integer.parseInt(command.get(1));
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (true) {
          try {
            admin.listNamespaceDescriptors();
            if (admin.getRegionServers().size() >= servers) return "true";
          } catch (Exception notYet) {
            if (System.currentTimeMillis() > deadline) throw notYet;
          }
          if (System.currentTimeMillis() > deadline) throw new IllegalStateException("fewer than " + servers + " region servers");
          Thread.sleep(250);
        }
      }
      case "servers": {
        List<String> names = new ArrayList<>();
        for (ServerName server : admin.getRegionServers()) names.add(quote(server.getServerName()));
        return "[" + String.join(",", names) + "]";
      }
      case "create": {
        TableName table = TableName.valueOf(command.get(1));
        TableDescriptorBuilder descriptor = TableDescriptorBuilder.newBuilder(table);
        for (String family : command.get(2).split(",")) {
          descriptor.setColumnFamily(ColumnFamilyDescriptorBuilder.of(family));
        }
        List<String> splits = command.subList(3, command.size());
        if (splits.isEmpty()) {
          admin.createTable(descriptor.build());
        } else {
          byte[][] keys = new byte[splits.size()][];
          for (int i = 0; i < keys.length; i++) keys[i] = Bytes.toBytes(splits.get(i));
          admin.createTable(descriptor.build(), keys);
        }
        return "true";
      }
      case "drop": {
        TableName table = TableName.valueOf(command.get(1));
        if (!admin.tableExists(table)) return "false";
        if (admin.isTableEnabled(table)) admin.disableTable(table);
        admin.deleteTable(table);
        return "true";
      }
      case "flush":
        admin.flush(TableName.valueOf(command.get(1)));
        return "true";
      case "regions":
        return regionsJson(connection, TableName.valueOf(command.get(1)));
      case "move": {
        byte[] encoded = Bytes.toBytes(command.get(1));
        String target = command.size() > 2 ? command.get(2) : "";
        if (target.isEmpty()) {
          admin.move(encoded);
        } else {
          admin.move(encoded, ServerName.valueOf(target));
        }
        return "true";
      }
      case "split": {
        TableName table = TableName.valueOf(command.get(1));
        byte[] point = Bytes.toBytes(command.get(2));
        RegionInfo parent = null;
        for (RegionInfo region : admin.getRegions(table)) {
          if (!region.isSplit() && !region.isOffline() && region.containsRow(point)) parent = region;
        }
        if (parent == null) throw new IllegalArgumentException("no online region of " + table + " holds the split point");
        if (Bytes.equals(parent.getStartKey(), point)) return "false";
        admin.splitRegionAsync(parent.getRegionName(), point).get(DEADLINE_MS, TimeUnit.MILLISECONDS);
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (System.currentTimeMillis() < deadline) {
          for (HRegionLocation location : locations(connection, table)) {
            if (Bytes.equals(location.getRegion().getStartKey(), point) && location.getServerName() != null) return "true";
          }
          Thread.sleep(200);
        }
        throw new IllegalStateException("split of " + table + " did not show up in hbase:meta");
      }
      case "balancer":
        return String.valueOf(admin.balancerSwitch(Boolean.parseBoolean(command.get(1)), true));
      default:
        throw new IllegalArgumentException("unknown command " + command);
    }
  }

  private static List<HRegionLocation> locations(Connection connection, TableName table) throws Exception {
    try (RegionLocator locator = connection.getRegionLocator(table)) {
      locator.clearRegionLocationCache();
      List<HRegionLocation> online = new ArrayList<>();
      for (HRegionLocation location : locator.getAllRegionLocations()) {
        RegionInfo region = location.getRegion();
        if (!region.isSplit() && !region.isOffline()) online.add(location);
      }
      return online;
    }
  }

  private static String regionsJson(Connection connection, TableName table) throws Exception {
    List<String> items = new ArrayList<>();
    for (HRegionLocation location : locations(connection, table)) {
      RegionInfo region = location.getRegion();
      ServerName server = location.getServerName();
      items.add("{\"name\":" + quote(region.getRegionNameAsString())
          + ",\"encodedName\":" + quote(region.getEncodedName())
          + ",\"startKey\":" + quote(Base64.getEncoder().encodeToString(region.getStartKey()))
          + ",\"endKey\":" + quote(Base64.getEncoder().encodeToString(region.getEndKey()))
          + ",\"server\":" + (server == null ? "null" : quote(server.getServerName()))
          + ",\"host\":" + (server == null ? "null" : quote(server.getHostname()))
          + ",\"port\":" + (server == null ? "null" : String.valueOf(server.getPort()))
          + "}");
    }
    return "[" + String.join(",", items) + "]";
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String quote(String text) {
    StringBuilder json = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') json.append('\\').append(c);
      else if (c < 0x20) json.append(String.format("\\u%04x", (int) c));
      else json.append(c);
    }
    return json.append('"').toString();
  }

  private DstreamHBaseAdmin() {}
}
