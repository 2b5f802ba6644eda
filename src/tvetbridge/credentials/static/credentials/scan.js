// Reads a certificate's QR code with the browser's BarcodeDetector where it exists (the printed
// address under the code is the path that works everywhere). A verification URL opens that page;
// any other content is pasted into the form.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("scan");
    var button = document.getElementById("scan-button");
    if (!box || !button) return;
    var message = document.getElementById("scan-message");
    var video = document.getElementById("scan-video");
    button.addEventListener("click", function () {
      if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
        message.textContent = box.dataset.unsupported;
        return;
      }
      var detector = new window.BarcodeDetector({formats: ["qr_code"]});
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
        video.hidden = false;
        video.srcObject = stream;
        video.play();
        var timer = window.setInterval(function () {
          detector.detect(video).then(function (codes) {
            if (!codes.length) return;
            window.clearInterval(timer);
            stream.getTracks().forEach(function (t) { t.stop(); });
            var text = codes[0].rawValue;
            if (/\/verify\/[0-9a-f-]{36}\/?$/i.test(text)) {
              window.location.href = text;
            } else {
              document.getElementById("id_document").value = text;
              video.hidden = true;
            }
          });
        }, 400);
      }).catch(function () { message.textContent = box.dataset.denied; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
