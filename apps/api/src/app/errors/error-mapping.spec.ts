import { AgiqaError, ERROR_CODES } from '@agiqa/contracts';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS, toErrorResponse } from './error-mapping.js';

describe(toErrorResponse.name, () => {
  it('maps every code of the vocabulary to its status', () => {
    const statuses = ERROR_CODES.map((code) => toErrorResponse(new AgiqaError(code, 'x')).status);
    expect(statuses).toEqual([400, 404, 409, 401, 403, 503, 500]);
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('keeps the problem details of invalid input', () => {
    const { status, body } = toErrorResponse(new AgiqaError('invalid_input', 'bad grid', [{ path: 'epochs', message: 'too small' }]));
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'invalid_input', message: 'bad grid', details: [{ path: 'epochs', message: 'too small' }] } });
  });

  it('reports a malformed JSON body from the body parser as invalid input', () => {
    const parserError = Object.assign(new SyntaxError('Unexpected token } in JSON at position 9'), {
      type: 'entity.parse.failed',
      status: 400,
    });
    const { status, body } = toErrorResponse(parserError);
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.message).toContain('not valid JSON');
  });

  it('reports a body that cannot be decompressed as invalid input', () => {
    // What body-parser passes on for `Content-Encoding: gzip` with a body that is not gzip.
    const zlibError = Object.assign(new Error('incorrect header check'), { errno: -3, code: 'Z_DATA_ERROR', status: 400, expose: true });
    const { status, body } = toErrorResponse(zlibError);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_input', details: [{ path: '(body)', message: 'incorrect header check' }] });
  });

  it('reads Nest HTTP exceptions back into the vocabulary', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /api/nope')).body.error.code).toBe('not_found');
    expect(toErrorResponse(new BadRequestException('x')).status).toBe(400);
  });

  it('reads Temporal and Prisma errors into the vocabulary', () => {
    expect(toErrorResponse(new WorkflowNotFoundError('gone', 'sweep-1', undefined)).status).toBe(404);
    expect(toErrorResponse(new ScheduleNotFoundError('gone', 'schedule-1')).status).toBe(404);
    const unique = Object.assign(new Error('Unique constraint failed'), {
      name: 'PrismaClientKnownRequestError',
      code: 'P2002',
      meta: { target: ['name'] },
    });
    expect(toErrorResponse(unique)).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });

  it('hides the text of unexpected errors behind internal', () => {
    const { status, body } = toErrorResponse(new TypeError('secret internals'));
    expect(status).toBe(500);
    expect(body.error.message).not.toContain('secret');
  });
});
