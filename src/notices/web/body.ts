import type { Context } from 'koa';
import { PayloadTooLarge } from '../errors.js';

export interface Form {
  fields: Record<string, string>;
  files: Record<string, { name: string; type: string; data: Buffer }>;
}

/** Reads the raw body, refusing more than `limit` bytes before buffering them. */
async function readRaw(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw new PayloadTooLarge('errors.too_large', undefined, { max: Math.floor(limit / 1024 / 1024) || 1 });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLarge('errors.too_large', undefined, { max: Math.floor(limit / 1024 / 1024) || 1 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * A urlencoded or multipart form. Multipart is parsed by the platform's own fetch Request
 * (undici), so no extra dependency handles the uploads.
 */
export async function readForm(ctx: Context, limit: number): Promise<Form> {
  const type = ctx.get('content-type');
  const raw = await readRaw(ctx, limit);
  const form: Form = { fields: {}, files: {} };
  if (/^application\/x-www-form-urlencoded/i.test(type)) {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) form.fields[k] = v;
    return form;
  }
  if (/^multipart\/form-data/i.test(type)) {
    let data: FormData;
    try {
      data = await new Request('http://form.local/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(raw) }).formData();
    } catch {
      return form;
    }
    const entries: Array<[string, FormDataEntryValue]> = [];
    data.forEach((v, k) => entries.push([k, v]));
    for (const [k, v] of entries) {
      if (typeof v === 'string') form.fields[k] = v;
      else if (v.size > 0 || v.name) form.files[k] = { name: v.name, type: v.type, data: Buffer.from(await v.arrayBuffer()) };
    }
  }
  return form;
}
