// ferapp's page: camera (or a file) -> downscaled JPEG frames over a WebSocket -> boxes
// and bars drawn from the JSON results. No library, no build step, nothing fetched from
// outside this server.
"use strict";

const FRAME_WIDTH = 480;   // frames are sent at most this wide
const TARGET_FPS = 15;     // frames sent per second at most
const MAX_IN_FLIGHT = 2;   // frames sent and not yet answered
const JPEG_QUALITY = 0.8;

const $ = (id) => document.getElementById(id);
const video = $("video"), still = $("still"), overlay = $("overlay");
const readout = $("readout"), message = $("message"), picker = $("picker");
const grab = document.createElement("canvas");

let socket = null, hello = null, source = null;   // source: the <video> or <img> sent
let frameNumber = 0, inFlight = 0, lastSent = 0, stillSent = false;
let firstFrame = 1;   // results for frames before this one are the previous source's
const sentAt = new Map();
let answered = [], lastResult = null, roundTrip = 0;

function say(text) { message.textContent = text; }

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = () => {
    readout.textContent = "disconnected";
    say("The connection to the ferapp server closed. Reload the page to connect again.");
  };
}

function receive(msg) {
  if (msg.type === "hello") {
    hello = msg;
    buildBars(msg.class_names);
    $("about").textContent = `Model ${msg.model} (${msg.runtime}); face detector ${msg.detector.detector}.`;
    readout.textContent = "connected";
    return;
  }
  if (msg.type === "error") {
    if (msg.frame !== undefined && msg.frame < firstFrame) return;  // the previous source's
    say(msg.message); inFlight = Math.max(0, inFlight - 1); return;
  }
  if (msg.type !== "result" || msg.frame < firstFrame) return;
  inFlight = Math.max(0, inFlight - 1);
  const now = performance.now();
  if (sentAt.has(msg.frame)) { roundTrip = now - sentAt.get(msg.frame); sentAt.delete(msg.frame); }
  answered.push(now);
  answered = answered.filter((t) => now - t < 2000);
  lastResult = msg;
  draw(msg);
  showBars(msg.faces);
  const fps = answered.length / 2;
  readout.textContent = `${fps.toFixed(1)} fps · round trip ${roundTrip.toFixed(0)} ms · ` +
    `${msg.faces.length} face${msg.faces.length === 1 ? "" : "s"} · dropped ${msg.dropped}`;
}

const UNCERTAIN = "#969696";  // a face whose label is not to be trusted: grey, with "?"

function faceText(face) {
  const text = `${face.label} ${Math.round(face.confidence * 100)}%`;
  return face.uncertain ? `? ${text}` : text;
}

function color(label) { return (hello && hello.colors[label]) || "#ffffff"; }

function ink(hex) {  // black or white text, whichever reads on the colour
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? "#000000" : "#ffffff";
}

function clearFaces() {  // no boxes, no bars: nothing is being analysed
  lastResult = null;
  overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
  showBars([]);
}

function switchSource() {
  // The old source stops before the server is told, so that no frame of it is
  // recognised after the reset; its late answers are ignored (firstFrame).
  source = null; stillSent = false; inFlight = 0; sentAt.clear();
  firstFrame = frameNumber + 1;
  clearFaces();
  resetFaces();
}

function unusable(file, why) {
  source = null; still.hidden = true; video.hidden = true;
  video.removeAttribute("src"); video.load();
  clearFaces();
  readout.textContent = hello ? "connected" : readout.textContent;
  say(`${file.name} cannot be shown: ${why}. Open a photo (JPEG, PNG, WebP) or a video ` +
    "this browser plays (MP4 with H.264, WebM), or use the camera.");
}

function draw(result) {
  const shown = source === still ? still : video;
  const box = shown.getBoundingClientRect(), stage = $("stage").getBoundingClientRect();
  overlay.width = box.width; overlay.height = box.height;
  overlay.style.left = `${box.left - stage.left}px`; overlay.style.top = `${box.top - stage.top}px`;
  const ctx = overlay.getContext("2d");
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  const sx = box.width / result.width, sy = box.height / result.height;
  const size = box.width < 360 ? 11 : 15, tall = size + 5;  // smaller labels on a phone
  ctx.font = `bold ${size}px system-ui, sans-serif`;
  for (const face of result.faces) {
    const [x, y, w, h] = face.box, c = face.uncertain ? UNCERTAIN : color(face.label);
    ctx.strokeStyle = c; ctx.lineWidth = 3;
    ctx.strokeRect(x * sx, y * sy, w * sx, h * sy);
    const text = `${face.face} ${faceText(face)}`;
    const tw = ctx.measureText(text).width + 8, top = Math.max(0, y * sy - tall);
    const left = Math.max(0, Math.min(x * sx, overlay.width - tw));  // kept in view
    ctx.fillStyle = c; ctx.fillRect(left, top, tw, tall);
    ctx.fillStyle = ink(c); ctx.fillText(text, left + 4, top + size);
  }
}

function buildBars(names) {
  const bars = $("bars");
  bars.innerHTML = "";
  for (const name of names) {
    const row = document.createElement("div");
    row.className = "bar"; row.dataset.label = name;
    row.innerHTML = `<span>${name}</span><span class="track"><span class="fill"></span></span><span class="value">0%</span>`;
    row.querySelector(".fill").style.background = color(name);
    bars.appendChild(row);
  }
}

function showBars(faces) {
  const numbers = faces.map((f) => String(f.face));
  const chosen = picker.value;
  if ([...picker.options].map((o) => o.value).join() !== numbers.join()) {
    picker.innerHTML = numbers.map((n) => `<option value="${n}">Face ${n}</option>`).join("");
    if (numbers.includes(chosen)) picker.value = chosen;
  }
  picker.hidden = faces.length < 2;
  const face = faces.find((f) => String(f.face) === picker.value) || faces[0];
  $("caption").textContent = face
    ? `Face ${face.face}: ${faceText(face)}${face.uncertain ? ` (uncertain: ${face.uncertain})` : ""}`
    : "No face in view";
  for (const row of document.querySelectorAll(".bar")) {
    const p = face ? face.probabilities[row.dataset.label] || 0 : 0;
    row.querySelector(".fill").style.width = `${(p * 100).toFixed(1)}%`;
    row.querySelector(".value").textContent = face ? `${Math.round(p * 100)}%` : "";
  }
}

function sendFrame() {
  if (!socket || socket.readyState !== WebSocket.OPEN || !hello || !source) return;
  const now = performance.now();
  if (inFlight >= MAX_IN_FLIGHT || now - lastSent < 1000 / TARGET_FPS) return;
  const width = source.videoWidth || source.naturalWidth, height = source.videoHeight || source.naturalHeight;
  if (!width || !height || (source === still && stillSent)) return;
  const scale = Math.min(1, FRAME_WIDTH / width);
  grab.width = Math.round(width * scale); grab.height = Math.round(height * scale);
  grab.getContext("2d").drawImage(source, 0, 0, grab.width, grab.height);
  lastSent = now; inFlight += 1; stillSent = source === still;
  const number = ++frameNumber;
  grab.toBlob(async (blob) => {
    const jpeg = new Uint8Array(await blob.arrayBuffer());
    // encoded after a source switch: a frame of the old source, never sent after the reset
    if (number < firstFrame || !socket || socket.readyState !== WebSocket.OPEN) return;
    const data = new Uint8Array(4 + jpeg.length);
    new DataView(data.buffer).setUint32(0, number);
    data.set(jpeg, 4);
    sentAt.set(number, performance.now());
    socket.send(data);
  }, "image/jpeg", JPEG_QUALITY);
}


async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say("This browser gives no camera here (a page from another computer needs https). Open an image or a video instead.");
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    switchSource();
    still.hidden = true; video.hidden = false;
    video.removeAttribute("src");
    video.srcObject = stream; await video.play();
    source = video; say("");
  } catch (error) {
    const refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    say(refused
      ? "The camera was refused. Allow it in the browser's site settings, or open an image or a video instead."
      : "No camera was found. Open an image or a video instead.");
  }
}

function resetFaces() {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "reset" }));
}

$("file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  event.target.value = "";  // the same file can be opened again
  if (video.srcObject) { video.srcObject.getTracks().forEach((t) => t.stop()); video.srcObject = null; }
  video.pause();
  switchSource();
  const kind = file.type.split("/")[0];
  if (kind !== "image" && kind !== "video") {
    unusable(file, `it is not a photo or a video (${file.type || "unknown type"})`);
    return;
  }
  const url = URL.createObjectURL(file);
  if (kind === "image") {
    video.hidden = true; still.hidden = false;
    still.onload = () => { source = still; say(""); };
    still.onerror = () => unusable(file, "this browser cannot read it as an image");
    still.src = url;
    return;
  }
  still.hidden = true; video.hidden = false;
  video.src = url; video.loop = true;
  try {
    await video.play();
    if (!video.videoWidth) throw new Error("no picture");
    source = video; say("");
  } catch (error) {
    unusable(file, "this browser cannot play this kind of video");
  }
});
$("camera").addEventListener("click", startCamera);
picker.addEventListener("change", () => lastResult && showBars(lastResult.faces));
window.addEventListener("resize", () => lastResult && draw(lastResult));

connect();
startCamera();
// A timer, not requestAnimationFrame: browsers slow that down for pages not in view.
setInterval(sendFrame, 1000 / TARGET_FPS / 2);
