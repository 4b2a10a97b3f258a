import { el, get, post, input, formValues, errorBox, okBox } from '../dom.js';
import { messageList } from './messages.js';

export async function render(view, params, meta) {
  const results = el('div', { id: 'results' });
  const msg = el('div');
  const form = el('form', { id: 'dlq-form' },
    input('group', 'Consumer group', params.group || '', { required: true }),
    el('button', { type: 'submit' }, 'List dead letters'));
  const load = async () => {
    const group = formValues(form).group;
    try {
      const r = await get('/api/dlq', { group });
      const resendOne = m => {
        const b = el('button', { type: 'button', id: 'resend-one', onclick: async () => {
          try {
            const out = await post('/api/dlq/resend', { group, msgId: m.offsetMsgId });
            msg.replaceChildren(okBox(`Resent ${out.resent.length} message(s) to %RETRY%${group}`));
          } catch (e) { msg.replaceChildren(errorBox(e)); }
        } }, 'Resend to the retry topic');
        return el('div', { class: 'panel' }, b);
      };
      const all = el('button', { type: 'button', id: 'resend-all', onclick: async () => {
        try {
          const out = await post('/api/dlq/resend', { group, all: true });
          msg.replaceChildren(okBox(`Resent ${out.resent.length} message(s) to %RETRY%${group}`));
        } catch (e) { msg.replaceChildren(errorBox(e)); }
      } }, 'Resend all');
      results.replaceChildren(
        el('p', { class: 'muted' }, `Topic ${r.topic}`),
        meta.readOnly || !r.messages.length ? '' : all,
        messageList(r, meta, resendOne));
    } catch (e) { results.replaceChildren(errorBox(e)); }
  };
  form.addEventListener('submit', ev => { ev.preventDefault(); load(); });
  view.append(el('h1', {}, 'Dead-letter queues'), form, msg, results);
  if (params.group) load();
}
