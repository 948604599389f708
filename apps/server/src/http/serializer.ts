import fastJsonStringify from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type ZodSchema = z.ZodType;
type CompilerInput = Parameters<FastifySerializerCompiler<ZodSchema>>[0];

/**
 * Response serialisation for the API: each route's zod response schema is turned into JSON
 * Schema once, at start-up, and compiled by fast-json-stringify (the serialiser Fastify itself
 * uses for JSON Schema routes). A page of the feed is about 100 kB; checking it with zod and
 * then stringifying cost three times as much CPU as the compiled serialiser.
 *
 * What stays true from the zod serialiser: only the keys the contract declares are written
 * (a field a row happens to carry, a password hash say, never leaves), and a missing required
 * field fails the response (500, logged) instead of reaching the client. What it no longer
 * checks is value formats (patterns, lengths) of outgoing data; inputs are still validated in
 * full. A schema JSON Schema cannot express keeps the zod serialiser.
 */
export const compiledSerializerCompiler: FastifySerializerCompiler<ZodSchema> = (input) => {
  const stringify = compileResponseSchema(resolveZod(input.schema));
  return stringify ?? zodSerializerCompiler(input as never);
};

/** fast-json-stringify's function for `schema`, or null when it cannot be expressed as JSON Schema. */
export function compileResponseSchema(schema: ZodSchema): ((data: unknown) => string) | null {
  let json: unknown;
  try {
    json = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw' });
  } catch {
    return null;
  }
  return fastJsonStringify(json as Parameters<typeof fastJsonStringify>[0]);
}

function resolveZod(schema: CompilerInput['schema']): ZodSchema {
  if (schema instanceof z.ZodType) return schema;
  const properties = (schema as { properties?: unknown }).properties;
  if (properties instanceof z.ZodType) return properties;
  throw new Error('a response schema that is not a zod schema');
}
