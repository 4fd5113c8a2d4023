// The part of the Workers runtime's R2 types that src/cache/r2-upload.ts uses, for the Node
// project: bench/suites/job-memory.ts runs the job task runner (and so r2-upload.ts) in Node over
// a byte-counting bucket. The Worker project checks r2-upload.ts against the real declarations
// (worker-configuration.d.ts); these only have to be what that module calls.
interface R2HTTPMetadata {
  contentType?: string;
}
interface R2PutOptions {
  httpMetadata?: R2HTTPMetadata | undefined;
  customMetadata?: Record<string, string> | undefined;
}
interface R2UploadedPart {
  partNumber: number;
  etag: string;
}
interface R2MultipartUpload {
  uploadPart(partNumber: number, value: Uint8Array): Promise<R2UploadedPart>;
  complete(parts: R2UploadedPart[]): Promise<unknown>;
  abort(): Promise<void>;
}
interface R2Bucket {
  put(key: string, value: Uint8Array, options?: R2PutOptions): Promise<unknown>;
  delete(keys: string | string[]): Promise<void>;
  createMultipartUpload(key: string, options?: R2PutOptions): Promise<R2MultipartUpload>;
}
