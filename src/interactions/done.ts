import { doneForm } from './forms.js';
import { readForm, redirect, stepPage, type StepHandler } from './step.js';

/**
 * Journey step 7 (seed 2-8): 「初回登録の完了」. The member goes straight on instead of the
 * seed's log-out-and-back-in; logging out here still works, and the next login resumes
 * at the first step still due.
 */
export function doneStep(): StepHandler {
  return {
    show: (ctx, journey) => stepPage(ctx, journey, 'done', 'done', null),
    async submit(ctx, journey) {
      const { decision } = readForm(ctx, doneForm);
      if (decision === 'logout') {
        await journey.reset();
        return redirect(ctx, journey.path('logged-out'));
      }
      redirect(ctx, await journey.advanceOrFinish({ ...journey.progress!, doneAcknowledged: true }, journey.member!));
    },
  };
}

/** After 「ログアウト」 on the done page: the login page of the same journey is one tap away. */
export function loggedOutPage(): StepHandler {
  return {
    show: (ctx, journey) => stepPage(ctx, journey, 'logged-out', 'logged-out', null, { again: journey.path('') }),
    submit: async (ctx, journey) => redirect(ctx, journey.path('logged-out')),
  };
}
