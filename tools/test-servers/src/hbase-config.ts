import { classDataArchive } from './class-data-sharing.js';
import type { JarSet } from './jar-cache.js';

export const HBASE_VERSION = '2.6.4';
export const hbaseJarSet: JarSet = { pomDir: 'hbase', name: `hbase-${HBASE_VERSION}-hadoop3` };

/** The class-data archive of the HBase jar set (made by `npm run prefetch`), used by every HBase JVM. */
export const hbaseArchive = (lib: string) => classDataArchive(lib, 'hbase');

// Configuration for the HBase layouts verified in shared/real-servers/hbase.md ("Verified recipe").

/** `bin/hbase`'s flags for JDK 11+ (HBase's shaded netty and Hadoop reach into JDK internals). */
export const HBASE_JDK17_FLAGS = [
  '-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true',
  '--add-modules',
  'jdk.unsupported',
  ...[
    'java.base/java.io',
    'java.base/java.nio',
    'java.base/sun.nio.ch',
    'java.base/java.lang',
    'java.base/jdk.internal.ref',
    'java.base/java.lang.reflect',
    'java.base/java.util',
    'java.base/java.util.concurrent',
  ].flatMap((pkg) => ['--add-opens', `${pkg}=ALL-UNNAMED`]),
  ...[
    'java.base/jdk.internal.misc',
    'java.security.jgss/sun.security.krb5',
    'java.base/sun.net.dns',
    'java.base/sun.net.util',
  ].flatMap((pkg) => ['--add-exports', `${pkg}=ALL-UNNAMED`]),
];

/** WARN everywhere except the master and region-server lines the harness and humans look for. */
export const HBASE_LOG4J2 = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = %d{ISO8601} %-5p [%t] %c{2}: %m%n
rootLogger.level = warn
rootLogger.appenderRef.out.ref = out
logger.master.name = org.apache.hadoop.hbase.master.HMaster
logger.master.level = info
logger.rs.name = org.apache.hadoop.hbase.regionserver.HRegionServer
logger.rs.level = info
logger.native.name = org.apache.hadoop.util.NativeCodeLoader
logger.native.level = error
`;

export interface SiteOptions {
  run: string;
  zkPort: number;
  masterPort: number;
  distributed: boolean;
  regionServers: number;
}

export function hbaseSiteProperties(options: SiteOptions): Array<[string, string | number]> {
  const { run, zkPort, masterPort, distributed, regionServers } = options;
  const properties: Array<[string, string | number]> = [
    ['hbase.cluster.distributed', String(distributed)],
    ['hbase.rootdir', `file://${run}/root`],
    ['hbase.tmp.dir', `${run}/tmp`],
    // a local filesystem has no hflush/hsync capability checks to pass
    ['hbase.unsafe.stream.capability.enforce', 'false'],
    ['hbase.zookeeper.property.clientPort', zkPort],
    // hostname forcing: meta and the znodes name 127.0.0.1, never the machine's hostname
    ['hbase.master.hostname', '127.0.0.1'],
    ['hbase.unsafe.regionserver.hostname', '127.0.0.1'],
    ['hbase.master.port', masterPort],
    // no web UIs (no Jetty, fewer ports)
    ['hbase.master.info.port', -1],
    ['hbase.regionserver.info.port', -1],
    ['hbase.master.wait.on.regionservers.mintostart', regionServers],
    ['hbase.master.wait.on.regionservers.maxtostart', regionServers],
    ['hbase.balancer.period', 3_600_000],
    ['hbase.regionserver.handler.count', 10],
  ];
  if (distributed) {
    properties.push(
      ['hbase.zookeeper.quorum', `127.0.0.1:${zkPort}`],
      // a killed region server is noticed after ~6 s instead of the 90 s default
      ['zookeeper.session.timeout', 6000],
    );
  } else {
    properties.push(
      ['hbase.zookeeper.quorum', '127.0.0.1'],
      ['hbase.zookeeper.property.clientPortAddress', '127.0.0.1'],
      ['hbase.zookeeper.property.dataDir', `${run}/zk`],
      // MUST be 0: the in-process region servers share one Configuration, a fixed port kills RS #2 at bind
      ['hbase.regionserver.port', 0],
      ['hbase.regionservers', regionServers],
    );
  }
  return properties;
}

export function hbaseSiteXml(properties: Array<[string, string | number]>): string {
  const body = properties
    .map(([name, value]) => `  <property><name>${name}</name><value>${value}</value></property>`)
    .join('\n');
  return `<?xml version="1.0"?>\n<configuration>\n${body}\n</configuration>\n`;
}

/** ZooKeeper 3.8 (from the HBase lib folder) for the distributed layout. */
export function zooCfg(run: string, zkPort: number): string {
  return `tickTime=1000
dataDir=${run}/zk
clientPort=${zkPort}
clientPortAddress=127.0.0.1
maxClientCnxns=0
4lw.commands.whitelist=ruok,srvr,stat,mntr,conf
admin.enableServer=false
preAllocSize=1024
`;
}
