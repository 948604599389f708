export { ApiError, apiErrorFrom } from './api-error.ts';
export type { CallArgs, CallInput, EndpointMethods } from './call-input.ts';
export {
  GraminstaClient,
  type ClientOptions,
  type NotificationPage,
  type Ok,
  type PageOptions,
  type PostPhotosItem,
  type PostPhotosOptions,
} from './client.ts';
export { newIdempotencyKey, wsUrl, type CallOptions, type FetchLike } from './http.ts';
export {
  RealtimeClient,
  type RealtimeOptions,
  type RealtimeStatus,
  type WebSocketConstructor,
  type WebSocketLike,
} from './realtime.ts';
export {
  uploadFile,
  type UploadOptions,
  type UploadProgress,
  type XhrConstructor,
  type XhrLike,
} from './upload.ts';
export { type PhotoOutcome, type WaitForPhotoOptions } from './wait-for-photo.ts';
export { uploadMultipart, type MultipartApi, type MultipartOptions } from './multipart-upload.ts';
