# Apache HBase 2.6.4 (hadoop3 build) in standalone mode: the version and mode `npm run demo -- --real`
# runs here through tools/test-servers (master, one region server and ZooKeeper in one JVM).
FROM eclipse-temurin:17-jre
ARG HBASE_VERSION=2.6.4
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && curl -fsSL "https://archive.apache.org/dist/hbase/${HBASE_VERSION}/hbase-${HBASE_VERSION}-hadoop3-bin.tar.gz" \
    | tar -xz -C /opt \
 && ln -s "/opt/hbase-${HBASE_VERSION}-hadoop3" /opt/hbase
COPY hbase-site.xml /opt/hbase/conf/hbase-site.xml
ENV HBASE_MANAGES_ZK=true
EXPOSE 2181 16000 16020
CMD ["/opt/hbase/bin/hbase", "master", "start"]
