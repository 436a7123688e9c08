// The cloudchain explorer: hash-routed pages over the node's API (docs/explorer.md).
import './style.css';
import { route, navigate } from './router';

function shell() {
  document.body.innerHTML = `
<header>
  <a class="brand" href="#/">cloudchain</a>
  <nav><a href="#/">Dashboard</a><a href="#/validators">Validators</a><a href="#/mempool">Mempool</a><a href="#/anchor">Verify a file</a></nav>
  <form id="search" role="search"><input id="q" name="q" placeholder="height, block hash, txid or address" autocomplete="off" spellcheck="false"><button>Search</button></form>
</header>
<main id="main"></main>
<footer id="footer"></footer>`;
  document.getElementById('search')!.addEventListener('submit', (e) => {
    e.preventDefault();
    const input = document.getElementById('q') as HTMLInputElement;
    const q = input.value.trim();
    if (q) navigate(`#/search/${encodeURIComponent(q)}`);
    input.value = '';
  });
}

shell();
window.addEventListener('hashchange', () => void route());
void route();
