import { el, get, table, input, formValues, errorBox } from '../dom.js';

export async function render(view, params) {
  const results = el('div');
  const form = el('form', { id: 'producer-form' },
    input('group', 'Producer group', params.group || '', { required: true }),
    input('topic', 'Topic', params.topic || '', { required: true }),
    el('button', { type: 'submit' }, 'Show'));
  const show = async () => {
    try {
      const d = await get('/api/producers', formValues(form));
      results.replaceChildren(table([
        ['Client id', r => r.clientId], ['Address', r => r.clientAddr], ['Language', r => r.language], ['Version', r => r.version, 'num'],
      ], d.connections.connectionSet || []));
    } catch (e) { results.replaceChildren(errorBox(e)); }
  };
  form.addEventListener('submit', ev => { ev.preventDefault(); show(); });
  view.append(el('h1', {}, 'Producers'), form, results);
  if (params.group && params.topic) show();
}
