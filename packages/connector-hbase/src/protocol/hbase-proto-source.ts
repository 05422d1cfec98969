/**
 * The subset of HBase's protobuf protocol that this client speaks, written for dstream. Field
 * numbers and types are those of HBase 2.x (hbase-protocol-shaded: RPC, HBase, Client, Cell,
 * Comparator, ZooKeeper, ClusterStatus, Master); messages and fields we never send or read are
 * left out, which protobuf allows (unknown fields are skipped on decode).
 */
export const hbaseProtoSource = `
syntax = "proto2";
package dstream.hbase;

// ---- HBase.proto ----
message TableName { required bytes namespace = 1; required bytes qualifier = 2; }
message BytesBytesPair { required bytes first = 1; required bytes second = 2; }
message NameStringPair { required string name = 1; required string value = 2; }
message NameBytesPair { required string name = 1; optional bytes value = 2; }
message ColumnFamilySchema {
  required bytes name = 1;
  repeated BytesBytesPair attributes = 2;
  repeated NameStringPair configuration = 3;
}
message TableSchema {
  optional TableName table_name = 1;
  repeated BytesBytesPair attributes = 2;
  repeated ColumnFamilySchema column_families = 3;
  repeated NameStringPair configuration = 4;
}
message RegionInfo {
  required uint64 region_id = 1;
  required TableName table_name = 2;
  optional bytes start_key = 3;
  optional bytes end_key = 4;
  optional bool offline = 5;
  optional bool split = 6;
  optional int32 replica_id = 7;
}
message RegionSpecifier {
  enum RegionSpecifierType { REGION_NAME = 1; ENCODED_REGION_NAME = 2; }
  required RegionSpecifierType type = 1;
  required bytes value = 2;
}
message TimeRange { optional uint64 from = 1; optional uint64 to = 2; }
enum CompareType { LESS = 0; LESS_OR_EQUAL = 1; EQUAL = 2; NOT_EQUAL = 3; GREATER_OR_EQUAL = 4; GREATER = 5; NO_OP = 6; }
message ServerName { required string host_name = 1; optional uint32 port = 2; optional uint64 start_code = 3; }

// ---- ClusterStatus.proto / ZooKeeper.proto ----
enum RegionStateState {
  OFFLINE = 0; PENDING_OPEN = 1; OPENING = 2; OPEN = 3; PENDING_CLOSE = 4; CLOSING = 5; CLOSED = 6;
  SPLITTING = 7; SPLIT = 8; FAILED_OPEN = 9; FAILED_CLOSE = 10; MERGING = 11; MERGED = 12;
  SPLITTING_NEW = 13; MERGING_NEW = 14; ABNORMALLY_CLOSED = 15;
}
message MetaRegionServer {
  required ServerName server = 1;
  optional uint32 rpc_version = 2;
  optional RegionStateState state = 3;
}
message Master { required ServerName master = 1; optional uint32 rpc_version = 2; optional uint32 info_port = 3; }

// ---- RPC.proto ----
message UserInformation { required string effective_user = 1; optional string real_user = 2; }
message ConnectionHeader {
  optional UserInformation user_info = 1;
  optional string service_name = 2;
  optional string cell_block_codec_class = 3;
  optional string cell_block_compressor_class = 4;
}
message CellBlockMeta { optional uint32 length = 1; }
message ExceptionResponse {
  optional string exception_class_name = 1;
  optional string stack_trace = 2;
  optional string hostname = 3;
  optional int32 port = 4;
  optional bool do_not_retry = 5;
  optional bool server_overloaded = 6;
}
message RequestHeader {
  optional uint32 call_id = 1;
  optional string method_name = 3;
  optional bool request_param = 4;
  optional CellBlockMeta cell_block_meta = 5;
  optional uint32 priority = 6;
  optional uint32 timeout = 7;
}
message ResponseHeader {
  optional uint32 call_id = 1;
  optional ExceptionResponse exception = 2;
  optional CellBlockMeta cell_block_meta = 3;
}

// ---- Cell.proto / Comparator.proto ----
enum CellType { MINIMUM = 0; PUT = 4; DELETE = 8; DELETE_FAMILY_VERSION = 10; DELETE_COLUMN = 12; DELETE_FAMILY = 14; MAXIMUM = 255; }
message Cell {
  optional bytes row = 1;
  optional bytes family = 2;
  optional bytes qualifier = 3;
  optional uint64 timestamp = 4;
  optional CellType cell_type = 5;
  optional bytes value = 6;
}
message Comparator { required string name = 1; optional bytes serialized_comparator = 2; }
message ByteArrayComparable { optional bytes value = 1; }
message BinaryComparator { required ByteArrayComparable comparable = 1; }
message NullComparator { }

// ---- Client.proto ----
message Column { required bytes family = 1; repeated bytes qualifier = 2; }
message Get {
  required bytes row = 1;
  repeated Column column = 2;
  optional TimeRange time_range = 5;
  optional uint32 max_versions = 6;
  optional bool existence_only = 10;
  optional bool closest_row_before = 11;
}
message Result {
  repeated Cell cell = 1;
  optional int32 associated_cell_count = 2;
  optional bool exists = 3;
  optional bool stale = 4;
  optional bool partial = 5;
}
message GetRequest { required RegionSpecifier region = 1; required Get get = 2; }
message GetResponse { optional Result result = 1; }
message Condition {
  required bytes row = 1;
  optional bytes family = 2;
  optional bytes qualifier = 3;
  optional CompareType compare_type = 4;
  optional Comparator comparator = 5;
  optional TimeRange time_range = 6;
}
message MutationProto {
  enum Durability { USE_DEFAULT = 0; SKIP_WAL = 1; ASYNC_WAL = 2; SYNC_WAL = 3; FSYNC_WAL = 4; }
  enum MutationType { APPEND = 0; INCREMENT = 1; PUT = 2; DELETE = 3; }
  enum DeleteType { DELETE_ONE_VERSION = 0; DELETE_MULTIPLE_VERSIONS = 1; DELETE_FAMILY = 2; DELETE_FAMILY_VERSION = 3; }
  message ColumnValue {
    message QualifierValue {
      optional bytes qualifier = 1;
      optional bytes value = 2;
      optional uint64 timestamp = 3;
      optional DeleteType delete_type = 4;
    }
    required bytes family = 1;
    repeated QualifierValue qualifier_value = 2;
  }
  optional bytes row = 1;
  optional MutationType mutate_type = 2;
  repeated ColumnValue column_value = 3;
  optional uint64 timestamp = 4;
  repeated NameBytesPair attribute = 5;
  optional Durability durability = 6;
  optional TimeRange time_range = 7;
  optional int32 associated_cell_count = 8;
  optional uint64 nonce = 9;
}
message MutateRequest {
  required RegionSpecifier region = 1;
  required MutationProto mutation = 2;
  optional Condition condition = 3;
  optional uint64 nonce_group = 4;
}
message MutateResponse { optional Result result = 1; optional bool processed = 2; }
message Scan {
  repeated Column column = 1;
  optional bytes start_row = 3;
  optional bytes stop_row = 4;
  optional TimeRange time_range = 6;
  optional uint32 max_versions = 7;
  optional uint64 max_result_size = 10;
  optional bool reversed = 15;
  optional uint32 caching = 17;
  optional bool allow_partial_results = 18;
  optional bool include_start_row = 21;
  optional bool include_stop_row = 22;
}
message ScanRequest {
  optional RegionSpecifier region = 1;
  optional Scan scan = 2;
  optional uint64 scanner_id = 3;
  optional uint32 number_of_rows = 4;
  optional bool close_scanner = 5;
  optional uint64 next_call_seq = 6;
  optional bool client_handles_partials = 7;
  optional bool client_handles_heartbeats = 8;
  optional bool renew = 10;
  optional uint32 limit_of_rows = 11;
}
message ScanResponse {
  repeated uint32 cells_per_result = 1;
  optional uint64 scanner_id = 2;
  optional bool more_results = 3;
  optional uint32 ttl = 4;
  repeated Result results = 5;
  optional bool stale = 6;
  repeated bool partial_flag_per_result = 7;
  optional bool more_results_in_region = 8;
  optional bool heartbeat_message = 9;
}
message Action { optional uint32 index = 1; optional MutationProto mutation = 2; optional Get get = 3; }
message RegionAction {
  required RegionSpecifier region = 1;
  optional bool atomic = 2;
  repeated Action action = 3;
  optional Condition condition = 4;
}
message ResultOrException { optional uint32 index = 1; optional Result result = 2; optional NameBytesPair exception = 3; }
message RegionActionResult {
  repeated ResultOrException resultOrException = 1;
  optional NameBytesPair exception = 2;
  optional bool processed = 3;
}
message MultiRequest { repeated RegionAction regionAction = 1; optional uint64 nonceGroup = 2; }
message MultiResponse { repeated RegionActionResult regionActionResult = 1; optional bool processed = 2; }

// ---- Master.proto ----
message CreateTableRequest {
  required TableSchema table_schema = 1;
  repeated bytes split_keys = 2;
  optional uint64 nonce_group = 3;
  optional uint64 nonce = 4;
}
message CreateTableResponse { optional uint64 proc_id = 1; }
message DisableTableRequest { required TableName table_name = 1; optional uint64 nonce_group = 2; optional uint64 nonce = 3; }
message DisableTableResponse { optional uint64 proc_id = 1; }
message DeleteTableRequest { required TableName table_name = 1; optional uint64 nonce_group = 2; optional uint64 nonce = 3; }
message DeleteTableResponse { optional uint64 proc_id = 1; }
message MoveRegionRequest { required RegionSpecifier region = 1; optional ServerName dest_server_name = 2; }
message MoveRegionResponse { }
message SplitTableRegionRequest {
  required RegionInfo region_info = 1;
  optional bytes split_row = 2;
  optional uint64 nonce_group = 3;
  optional uint64 nonce = 4;
}
message SplitTableRegionResponse { optional uint64 proc_id = 1; }
message GenericExceptionMessage { optional string class_name = 1; optional string message = 2; }
message ForeignExceptionMessage { optional string source = 1; optional GenericExceptionMessage generic_exception = 2; }
message GetProcedureResultRequest { required uint64 proc_id = 1; }
message GetProcedureResultResponse {
  enum State { NOT_FOUND = 0; RUNNING = 1; FINISHED = 2; }
  required State state = 1;
  optional uint64 submitted_time = 2;
  optional uint64 last_update = 3;
  optional bytes result = 4;
  optional ForeignExceptionMessage exception = 5;
}
`;
