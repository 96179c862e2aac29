/** Receipt files we take: photos and scans. The type is read from the bytes, never trusted from the browser. */
export const RECEIPT_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;
export type ReceiptType = (typeof RECEIPT_TYPES)[number];

const SIGNATURES: Array<[ReceiptType, number[]]> = [
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['application/pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]],
];

export function sniffReceiptType(data: Uint8Array): ReceiptType | undefined {
  return SIGNATURES.find(([, magic]) => magic.every((byte, i) => data[i] === byte))?.[0];
}

/** A file name safe to show and to send back in Content-Disposition. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '').trim().slice(0, 100);
  return cleaned || 'receipt';
}
