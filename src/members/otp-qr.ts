/**
 * The otpauth URI as the QR code an authenticator app scans, as a PNG data URL. The QR
 * library is loaded the first time a member binds an app, not by every provider process.
 */
export async function otpQrCode(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
