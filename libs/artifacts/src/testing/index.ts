// `@agiqa/artifacts/testing`: a real S3-compatible server for tests (never a mock).
export { s3Available, startTestS3, versitygwExecutable, type S3Availability, type TestS3 } from './test-s3.js';
