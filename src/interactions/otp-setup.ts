import type { Context } from 'koa';
import QRCode from 'qrcode';
import { render } from '../views.js';
import type { Journey } from './context.js';
import { formFields, t, withTriesLeft, type StepDeps, type StepHandler } from './step.js';

/**
 * Journey step 8 (seed 3-2): bind an authenticator app. The QR code, the secret in groups
 * of four and an otpauth:// link for the same phone; the first code confirms the binding,
 * and the recovery codes are shown once, on the page that answers it.
 */
export function otpSetupStep({ otp }: StepDeps): StepHandler {
  const page = async (ctx: Context, journey: Journey, sealed: string, error: string | null = null, status = 200) => {
    const { uri, grouped } = otp.setupDetails(journey.member!, sealed);
    const qr = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
    await render(ctx, 'otp-setup', { action: journey.path('otp-setup'), qr, uri, grouped, error }, status);
  };
  return {
    async show(ctx, journey) {
      let sealed = journey.progress!.pendingOtp;
      if (!sealed) {
        sealed = otp.startSetup(journey.member!).sealed;
        await journey.advance({ ...journey.progress!, pendingOtp: sealed });
      }
      await page(ctx, journey, sealed);
    },
    async submit(ctx, journey) {
      const sealed = journey.progress!.pendingOtp;
      if (!sealed) return this.show(ctx, journey);
      const result = await otp.confirmSetup(journey.member!, sealed, formFields(ctx).code ?? '');
      if (result.status === 'wrong') return page(ctx, journey, sealed, withTriesLeft(ctx, t(ctx)('errors.otp.wrong'), result.triesLeft), 400);
      if (result.status === 'locked') return render(ctx, 'error', { message: t(ctx)('errors.locked') }, 423);
      const { pendingOtp: _, ...progress } = journey.progress!;
      await journey.advance({ ...progress, amr: ['pwd', 'otp'] });
      await render(ctx, 'recovery-codes', { codes: result.recoveryCodes, next: journey.path(''), download: `data:text/plain;charset=utf-8,${encodeURIComponent(result.recoveryCodes.join('\n'))}` });
    },
  };
}
