import { render } from 'preact';
import { fetchSeries } from './api.js';
import { App } from './app.js';
import { createLiveStore } from './live-store.js';
import './style.css';

const live = createLiveStore({ loadSeries: () => fetchSeries() });
live.start();
const root = document.getElementById('app');
if (root !== null) render(<App live={live} />, root);
