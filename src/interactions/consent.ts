import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { ConsentService } from '../members/consent-service.js';
import { render } from '../views.js';
import { clientName } from './login.js';
import { redirect, type StepHandler } from './step.js';

const form = z.object({ decision: z.enum(['approve', 'deny']) });

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** Journey step 10: a third-party relying party asks for the member's information. */
export function consentStep({ provider, consents }: { provider: Provider; consents: ConsentService }): StepHandler {
  return {
    async show(ctx, journey) {
      const details = journey.interaction.prompt.details as ConsentDetails;
      const scopes = (details.missingOIDCScope ?? []).filter((s) => ['openid', 'profile', 'email', 'member', 'offline_access'].includes(s));
      await render(ctx, 'consent', { action: journey.path('consent'), clientName: await clientName(provider, journey), scopes });
    },
    async submit(ctx, journey) {
      const input = form.safeParse(ctx.request.body ?? {});
      if (!input.success || input.data.decision === 'deny') {
        return redirect(ctx, await journey.finish({ error: 'access_denied', error_description: 'the member did not allow access' }));
      }
      const { interaction } = journey;
      const accountId = interaction.session!.accountId!;
      const grant = interaction.grantId
        ? (await provider.Grant.find(interaction.grantId))!
        : new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
      const details = interaction.prompt.details as ConsentDetails;
      if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
      if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      await consents.remember(accountId, grant.clientId!, { scopes: (grant.getOIDCScope() ?? '').split(' ').filter(Boolean), claims: grant.getOIDCClaims() ?? [] });
      redirect(ctx, await journey.finish({ consent: { grantId } }));
    },
  };
}
