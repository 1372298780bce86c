// The page of `retrotrial app`. Every request carries the per-launch token (header, or query
// where a URL is needed); the server does all the work.
'use strict';
(function () {
  const token = new URLSearchParams(location.search).get('token') || '';
  const $ = (id) => document.getElementById(id);
  const withToken = (url) => url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
  let upload = null;     // id of the stored upload
  let design = null;     // the design last returned by the server
  let dirty = false;     // the form was edited since

  async function api(method, url, body, type) {
    const headers = { 'X-Retrotrial-Token': token };
    if (type) headers['Content-Type'] = type;
    const r = await fetch(url, { method, headers, body });
    let data = null;
    try { data = await r.json(); } catch (e) { data = { error: 'the server answered ' + r.status }; }
    return { ok: r.ok, status: r.status, data };
  }

  function text(el, t) { el.textContent = t == null ? '' : String(t); return el; }
  function cell(tr, t) { const td = document.createElement('td'); text(td, t); tr.appendChild(td); return td; }
  function status(msg, isError) { const s = $('status'); text(s, msg); s.className = isError ? 'error' : 'muted'; }

  // Tabs.
  document.querySelectorAll('.tab').forEach((b) => b.addEventListener('click', () => {
    document.querySelectorAll('.tab').forEach((x) => x.classList.toggle('active', x === b));
    document.querySelectorAll('.panel').forEach((p) => { p.hidden = p.id !== b.dataset.tab; });
    if (b.dataset.tab === 'claims') loadClaims();
  }));

  // Picking or dropping a file.
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault(); drop.classList.remove('over');
    if (e.dataTransfer.files.length) inspect(e.dataTransfer.files[0]);
  });
  $('file').addEventListener('change', (e) => { if (e.target.files.length) inspect(e.target.files[0]); });

  async function inspect(file) {
    status('Reading ' + file.name + '…');
    $('design').hidden = true; $('result').hidden = true;
    const r = await api('POST', '/api/inspect?name=' + encodeURIComponent(file.name), file, 'application/octet-stream');
    upload = r.data.upload || null;
    if (!r.ok) {
      status('Could not read ' + file.name + ': ' + r.data.error, true);
      return;
    }
    design = r.data; dirty = false;
    text($('file-name'), r.data.file);
    text($('design-summary'), r.data.layout + ' layout, ' + r.data.rows + ' measurements; arms ' +
      r.data.arms.join(', ') + '; timepoints ' + r.data.timepoints.join(', ') +
      (r.data.primary_timepoint ? ' (primary: ' + r.data.primary_timepoint + ')' : ''));
    showProblems(r.data.issues || [], r.data.suppressed || {});
    fillForm(r.data);
    $('toml').value = r.data.study_toml;
    $('design').hidden = false;
    status(r.data.errors ? r.data.errors + ' error(s) to fix before the analysis can run.' :
      'Check the design below, then run.', r.data.errors > 0);
  }

  function showProblems(issues, suppressed) {
    const body = $('problem-rows'); body.replaceChildren();
    for (const i of issues) {
      const tr = document.createElement('tr'); tr.className = i.severity;
      cell(tr, i.severity); cell(tr, i.line == null ? '' : 'line ' + i.line); cell(tr, i.message); cell(tr, i.fix);
      body.appendChild(tr);
    }
    for (const [code, n] of Object.entries(suppressed)) {
      const tr = document.createElement('tr'); cell(tr, ''); cell(tr, ''); cell(tr, '… and ' + n + ' more `' + code + '` problem(s)'); cell(tr, '');
      body.appendChild(tr);
    }
    $('problems').hidden = issues.length === 0;
  }

  function fillForm(d) {
    const arms = $('arm-rows'); arms.replaceChildren();
    d.arms.forEach((a, k) => {
      const tr = document.createElement('tr');
      // The file's own label(s) for this arm: its name unless the study maps labels to it.
      cell(tr, (d.arm_labels && d.arm_labels[a] ? d.arm_labels[a] : [a]).join(', '));
      const name = document.createElement('input'); name.value = a; name.dataset.from = a; name.id = 'arm-' + k;
      name.className = 'arm-name'; name.setAttribute('aria-label', 'name of arm ' + a);
      name.addEventListener('input', () => { dirty = true; });
      cell(tr, '').appendChild(name);
      const ref = document.createElement('input'); ref.type = 'radio'; ref.name = 'reference'; ref.value = a;
      ref.checked = d.reference_arm === a; ref.addEventListener('change', () => { dirty = true; });
      cell(tr, '').appendChild(ref);
      arms.appendChild(tr);
    });
    const outs = $('outcome-rows'); outs.replaceChildren();
    for (const o of d.outcomes) {
      const tr = document.createElement('tr');
      cell(tr, o.name);
      const label = document.createElement('input'); label.value = o.label || ''; label.dataset.outcome = o.name;
      label.className = 'outcome-label'; label.addEventListener('input', () => { dirty = true; });
      cell(tr, '').appendChild(label);
      cell(tr, o.unit || ''); cell(tr, o.better || '');
      outs.appendChild(tr);
    }
  }

  // The form's edits become a new study TOML on the server (the TOML is what runs).
  async function applyForm() {
    const arms = [...document.querySelectorAll('.arm-name')].map((i) => ({ from: i.dataset.from, to: i.value.trim() }));
    const refEl = document.querySelector('input[name=reference]:checked');
    let ref = refEl ? refEl.value : '';
    const renamed = arms.find((a) => a.from === ref);
    if (renamed && renamed.to) ref = renamed.to;
    const outcome_labels = {};
    document.querySelectorAll('.outcome-label').forEach((i) => { outcome_labels[i.dataset.outcome] = i.value; });
    const r = await api('POST', '/api/study', JSON.stringify({ study_toml: $('toml').value, arms, reference_arm: ref, outcome_labels }), 'application/json');
    if (!r.ok) throw new Error(r.data.error);
    $('toml').value = r.data.study_toml;
    design = Object.assign({}, design, r.data);
    fillForm(design);
    dirty = false;
  }

  const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
  const phases = { reading: 'reading the data', analysing: 'analysing', figures: 'drawing the figures', reports: 'writing the reports' };
  function showProgress(p) {
    $('progress-bar').value = p.percent;
    let t = p.percent + ' %';
    if (p.state === 'running') {
      t += ': ' + (phases[p.phase] || p.phase);
      if (p.phase === 'analysing' && p.tasks_total) t += ' (' + p.tasks_done + ' of ' + p.tasks_total + ' tasks)';
    }
    text($('progress-text'), t);
  }

  // Starts the run, then polls its progress until it ends; returns the run's outcome.
  async function runAnalysis() {
    const r = await api('POST', '/api/analyze', JSON.stringify({ upload, study_toml: $('toml').value }), 'application/json');
    if (!r.ok) return r;
    for (;;) {
      const p = await api('GET', r.data.progress);
      if (!p.ok) return p;
      showProgress(p.data);
      if (p.data.state !== 'running') return { ok: p.data.state === 'done', data: p.data.result };
      await sleep(250);
    }
  }

  $('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (upload == null) return;
    $('run').disabled = true; $('result').hidden = true;
    showProgress({ percent: 0, state: 'running', phase: 'reading' }); $('progress').hidden = false;
    status('Running the analysis…');
    try {
      if (dirty) await applyForm();
      const r = await runAnalysis();
      if (!r.ok) {
        if (r.data.validation && r.data.validation.issues) showProblems(r.data.validation.issues, r.data.validation.suppressed || {});
        status('The analysis did not run: ' + r.data.error, true);
        $('progress').hidden = true;
        return;
      }
      showRun(r.data);
      status('Done: run ' + r.data.run + '.');
    } catch (err) {
      $('progress').hidden = true;
      status('The analysis did not run: ' + err.message, true);
    } finally {
      $('run').disabled = false;
    }
  });

  let currentRun = null;
  function showRun(d) {
    currentRun = d.run;
    text($('result-summary'), d.records + ' results, ' + d.failures.length + ' failed task(s), ' + d.warnings + ' warning(s).');
    $('dl-report').href = withToken(d.links.report + '?download=1');
    $('dl-study').href = withToken(d.links.study + '?download=1');
    $('dl-records').href = withToken(d.links.records + '?download=1');
    $('report').src = withToken(d.links.report);
    text($('save-status'), '');
    $('result').hidden = false;
  }

  $('save').addEventListener('click', async () => {
    if (currentRun == null) return;
    const r = await api('POST', '/api/runs/' + currentRun + '/save', JSON.stringify({ folder: $('save-folder').value }), 'application/json');
    const s = $('save-status');
    text(s, r.ok ? 'Saved ' + r.data.files + ' files to ' + r.data.saved : 'Not saved: ' + r.data.error);
    s.className = r.ok ? 'muted' : 'error-text';
  });

  // Literature claims.
  let claimsLoaded = false;
  async function loadClaims() {
    if (claimsLoaded) return;
    claimsLoaded = true;
    text($('claims-status'), 'Checking the literature pack…');
    const r = await api('GET', '/api/reproduce');
    if (!r.ok) { text($('claims-status'), 'Not available: ' + r.data.error); claimsLoaded = false; return; }
    text($('claims-status'), r.data.length + ' claims.');
    const cards = $('claim-cards'); cards.replaceChildren();
    for (const c of r.data) {
      const card = document.createElement('article'); card.className = 'card';
      const h = document.createElement('h3'); text(h, c.claim_id + ': ' + c.claim); card.appendChild(h);
      const p = document.createElement('p');
      const v = document.createElement('span'); v.className = 'badge ' + c.verdict; text(v, String(c.verdict).replace(/_/g, ' '));
      p.append(v);
      if (c.certainty) {
        const cert = document.createElement('span'); cert.className = 'badge'; text(cert, 'certainty: ' + String(c.certainty).replace(/_/g, ' '));
        p.append(cert);
      }
      card.appendChild(p);
      const s = document.createElement('p'); text(s, c.summary); card.appendChild(s);
      card.appendChild(claimNumbers(c));
      cards.appendChild(card);
    }
  }

  const num = (x) => (x == null ? '' : String(Number(Number(x).toPrecision(3))));
  function table(head, rows) {
    const t = document.createElement('table');
    const hr = document.createElement('tr');
    for (const h of head) { const th = document.createElement('th'); text(th, h); hr.appendChild(th); }
    t.appendChild(hr);
    for (const r of rows) { const tr = document.createElement('tr'); r.forEach((x) => cell(tr, x)); t.appendChild(tr); }
    return t;
  }

  // A claim's numbers: the results it rests on, what was pooled, why certainty went down.
  function claimNumbers(c) {
    const d = document.createElement('details');
    const sm = document.createElement('summary');
    text(sm, 'Numbers: ' + c.evidence_used.length + ' result(s) used, ' + c.evidence_excluded.length + ' set aside');
    d.appendChild(sm);
    if (c.evidence_used.length) {
      d.appendChild(table(['study', 'outcome', 'comparator', 'estimate', '95 % CI', 'p'], c.evidence_used.map((e) => [
        e.study_id, e.outcome + (e.unit ? ' (' + e.unit + ')' : ''), e.comparator, (e.metric ? e.metric + ' ' : '') + num(e.estimate),
        e.ci_low == null ? '' : '[' + num(e.ci_low) + ', ' + num(e.ci_high) + ']', num(e.p)])));
    }
    if (c.pooled.length) {
      d.appendChild(table(['pooled', 'estimate', '95 % CI', 'I²'], c.pooled.map((p) => [
        p.part + ': ' + p.metric + ' of ' + p.inputs.length, num(p.estimate), '[' + num(p.ci_low) + ', ' + num(p.ci_high) + ']', num(p.i2)])));
    }
    for (const g of c.downgrades) { const p = document.createElement('p'); text(p, 'Downgraded (' + g.domain + '): ' + g.reason); d.appendChild(p); }
    for (const x of c.evidence_excluded) { const p = document.createElement('p'); p.className = 'muted'; text(p, 'Set aside ' + x.check_id + ': ' + x.detail); d.appendChild(p); }
    return d;
  }

  $('claims-report-open').addEventListener('click', () => {
    $('claims-report').src = withToken('/api/reproduce/report.html');
    $('claims-report').hidden = false;
  });

  // Uploads a file as it is; the id for the commands below.
  async function store(file) {
    const r = await api('POST', '/api/upload?name=' + encodeURIComponent(file.name), file, 'application/octet-stream');
    if (!r.ok) throw new Error(r.data.error);
    return r.data.upload;
  }

  // Check a paper or a summary table.
  let checkUpload = null; let reportedUpload = null;
  async function runCheck() {
    const s = $('check-status');
    text(s, 'Checking…'); s.className = 'muted'; $('check-result').hidden = true;
    const body = { upload: checkUpload, items: $('check-items').value };
    if (reportedUpload != null) body.reported = reportedUpload;
    const r = await api('POST', '/api/check', JSON.stringify(body), 'application/json');
    if (!r.ok) { text(s, 'Not checked: ' + r.data.error); s.className = 'error-text'; return; }
    const v = $('check-verdicts'); v.replaceChildren();
    const paper = r.data.kind === 'paper';
    if (paper) {
      text(s, r.data.file + ': ' + r.data.results + ' test result(s) found and recomputed.');
      for (const [k, n] of Object.entries(r.data.verdicts)) {
        const b = document.createElement('span'); b.className = 'badge ' + k; text(b, n + ' ' + k.replace(/_/g, ' ')); v.appendChild(b);
      }
      $('dl-checks').href = withToken(r.data.links.checks + '?download=1');
      $('dl-check-report').href = withToken(r.data.links.report + '?download=1');
      $('check-report').src = withToken(r.data.links.report);
    } else {
      text(s, r.data.file + ': the summary table checked.');
      text($('check-text'), r.data.text);
    }
    $('check-text').hidden = paper; $('check-actions').hidden = !paper; $('check-report').hidden = !paper;
    $('check-result').hidden = false;
  }
  async function checkFile(file) {
    try { checkUpload = await store(file); await runCheck(); } catch (err) { text($('check-status'), 'Not checked: ' + err.message); $('check-status').className = 'error-text'; }
  }
  const cdrop = $('check-drop');
  cdrop.addEventListener('dragover', (e) => { e.preventDefault(); cdrop.classList.add('over'); });
  cdrop.addEventListener('dragleave', () => cdrop.classList.remove('over'));
  cdrop.addEventListener('drop', (e) => {
    e.preventDefault(); cdrop.classList.remove('over');
    if (e.dataTransfer.files.length) checkFile(e.dataTransfer.files[0]);
  });
  $('check-file').addEventListener('change', (e) => { if (e.target.files.length) checkFile(e.target.files[0]); });
  $('check-reported').addEventListener('change', async (e) => {
    if (!e.target.files.length) { reportedUpload = null; return; }
    try { reportedUpload = await store(e.target.files[0]); if (checkUpload != null) await runCheck(); } catch (err) { text($('check-status'), 'Not stored: ' + err.message); }
  });

  // Meta-analysis.
  $('meta-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const s = $('meta-status'); const f = $('meta-file').files[0];
    if (!f) return;
    $('meta-run').disabled = true; $('meta-result').hidden = true; text(s, 'Pooling ' + f.name + '…'); s.className = 'muted';
    try {
      const up = await store(f);
      const body = { upload: up };
      for (const k of ['measure', 'method', 'test', 'outcome', 'better']) body[k] = $('meta-' + k).value;
      const r = await api('POST', '/api/meta', JSON.stringify(body), 'application/json');
      const list = $('meta-problems'); list.replaceChildren();
      if (!r.ok) {
        for (const i of (r.data.validation && r.data.validation.issues) || []) {
          const li = document.createElement('li');
          text(li, (i.line == null ? '' : 'line ' + i.line + ': ') + i.message + (i.fix ? ' (' + i.fix + ')' : ''));
          list.appendChild(li);
        }
        throw new Error(r.data.error);
      }
      text(s, r.data.file + ' pooled: run ' + r.data.run + '.');
      $('dl-meta-report').href = withToken(r.data.links.report + '?download=1');
      $('dl-meta-records').href = withToken(r.data.links.records + '?download=1');
      $('meta-report').src = withToken(r.data.links.report);
      $('meta-result').hidden = false;
    } catch (err) { text(s, 'Not pooled: ' + err.message); s.className = 'error-text'; }
    finally { $('meta-run').disabled = false; }
  });

  // Sample size and power.
  $('power-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const s = $('power-status');
    const body = { one_sided: $('power-one-sided').checked };
    for (const k of ['design', 'delta', 'sd', 'rho', 'p1', 'p2', 'n', 'power', 'alpha', 'arms', 'ratio']) body[k] = $('power-' + k).value;
    if (body.design === 'two_proportions') { body.sd = ''; if (body.p2) body.delta = ''; }
    else { body.p1 = ''; body.p2 = ''; }
    if (body.design !== 'change' && body.design !== 'ancova') body.rho = '';
    $('power-run').disabled = true; text(s, 'Calculating…'); s.className = 'muted';
    try {
      const r = await api('POST', '/api/power', JSON.stringify(body), 'application/json');
      if (!r.ok) throw new Error(r.data.error);
      const j = r.data.result;
      text($('power-headline'), j.solved === 'n'
        ? 'Recruit ' + j.n_ceiling + ' per arm (' + j.n_total_ceiling + ' in all) for ' + Math.round(100 * j.power) + ' % power.'
        : j.solved === 'power' ? 'Power ' + (100 * j.power).toFixed(1) + ' % with ' + num(j.n) + ' per arm.'
          : 'Smallest difference detectable: ' + num(j.delta) + '.');
      text($('power-table'), r.data.table);
      $('power-figure').src = withToken(r.data.links.figure);
      $('power-result').hidden = false;
      text(s, '');
    } catch (err) { text(s, 'Not calculated: ' + err.message); s.className = 'error-text'; }
    finally { $('power-run').disabled = false; }
  });

  // Closing the last open page stops the server; this page's hello (a reload's too) keeps it.
  const pageId = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
  api('POST', '/api/hello?page=' + pageId);
  window.addEventListener('pagehide', () => { navigator.sendBeacon(withToken('/api/shutdown?page=' + pageId)); });
})();
