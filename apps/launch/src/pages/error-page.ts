import { html, page } from './html';

const TEXT: Record<number, { title: string; detail: string }> = {
  400: { title: 'This launch link is incomplete', detail: 'The address does not carry a valid launch token. Open the activity again from your course.' },
  401: { title: 'This launch has expired', detail: 'Your launch link is invalid or has expired. Go back to your course and open the activity again.' },
  429: { title: 'Too many launches from your network', detail: 'Wait a minute, then open the activity again from your course.' },
  502: { title: 'The LTI service is not answering', detail: 'We could not reach the LTI service to complete your launch. Try again in a moment.' },
  503: { title: 'Launches are busy right now', detail: 'Too many launches are in progress. Try again in a moment.' },
};

export function errorPage(status: number): string {
  const text = TEXT[status] ?? { title: 'Something went wrong', detail: 'The launch could not be completed. Try again from your course.' };
  return page(text.title, html`<h1>${text.title}</h1><p>${text.detail}</p><p class="note">Error ${status}</p>`);
}
