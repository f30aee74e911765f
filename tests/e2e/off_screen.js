// What a parent must reach on a phone without scrolling sideways: every link, button and
// amount inside the screen, and no horizontal scroll. Returns the problems found.
() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width) { problems.push(`horizontal scroll: page ${scroll}px wide for ${width}px`); }
  const hidden = (el) => el.closest(".visually-hidden, .skip-link, [hidden]") !== null;
  const outside = (rect) => rect.width > 0 && (rect.left < -0.5 || rect.right > width + 0.5);
  const describe = (el) => `${el.tagName.toLowerCase()} "${(el.innerText || el.value || "").trim().slice(0, 40)}"`;
  document.querySelectorAll("a[href], button, input[type=submit], input[type=checkbox], select").forEach((el) => {
    if (hidden(el) || el.getClientRects().length === 0) { return; }
    if (outside(el.getBoundingClientRect())) { problems.push(`${describe(el)} outside the screen`); }
  });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const amount = /\d,\d\d\s?€/;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!amount.test(node.textContent) || hidden(node.parentElement)) { continue; }
    const range = document.createRange();
    range.selectNodeContents(node);
    if (Array.from(range.getClientRects()).some(outside)) {
      problems.push(`amount "${node.textContent.trim().slice(0, 40)}" outside the screen`);
    }
  }
  return problems;
}
